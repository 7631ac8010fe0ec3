import * as path from 'node:path';
import type { DatasetExportOptions, DatasetExportSummary } from '../contract/index';
import type { Tokenizer } from '../engine/tokenizer';
import { encodeDataset } from './dataset-encode';
import { ArgumentError, ServiceStateError } from './errors';
import type { JobRunner } from './jobs';
import { checkOptionalInt } from './validate';
import { checkObject, checkPath } from './validate-arguments';

/**
 * Whole-dataset token export as a service job: arguments checked as they arrive from outside,
 * progress as jobProgress events (frames done over frames to encode, the scene in the message),
 * and one run at a time, cancellable.
 */
export class DatasetExportJob {
  private running: AbortController | null = null;

  constructor(
    private readonly jobs: JobRunner,
    private readonly entry?: URL,
  ) {}

  async run(tokenizer: Tokenizer, dataset: unknown, dir: unknown, opts: unknown): Promise<DatasetExportSummary> {
    const m = 'exportDatasetTokens';
    const root = path.resolve(checkPath(m, dataset));
    const outDir = path.resolve(checkPath(m, dir));
    const o = checkObject(m, opts) as DatasetExportOptions;
    if (o.split !== undefined && (typeof o.split !== 'string' || o.split === '')) throw new ArgumentError(m, `split must be a split name, got ${JSON.stringify(o.split)}`);
    const maxMiB = checkOptionalInt(m, 'maxMemoryMiB', o.maxMemoryMiB, 64, 1024 * 1024);
    const workers = checkOptionalInt(m, 'workers', o.workers, 1, 64);
    if (this.running) throw new ServiceStateError(`${m}: a dataset export is already running (cancel it first)`);
    const ctl = new AbortController();
    this.running = ctl;
    try {
      const r = await this.jobs.run('dataset-export', `encode ${path.basename(root)}${o.split ? ` (${o.split})` : ''}`, (progress) =>
        encodeDataset(tokenizer, root, {
          outDir,
          ...(o.split !== undefined ? { split: o.split } : {}),
          ...(maxMiB !== undefined ? { maxMemoryBytes: maxMiB * 2 ** 20 } : {}),
          ...(workers !== undefined ? { workers } : {}),
          ...(this.entry ? { entry: this.entry } : {}),
          signal: ctl.signal,
          onProgress: (p) => progress(p.framesDone, Math.max(1, p.frames), `${p.scene}: scene ${Math.min(p.scenesDone + 1, p.scenes)} of ${p.scenes}`),
        }),
      );
      return { dir: outDir, index: path.join(outDir, 'index.json'), scenes: r.index.scenes.length, encoded: r.encoded, skipped: r.skipped, ...(r.engine ? { engine: r.engine } : {}) };
    } finally {
      this.running = null;
    }
  }

  /** Stops the running export (finished scenes stay in the index); false when none runs. */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort();
    return true;
  }
}
