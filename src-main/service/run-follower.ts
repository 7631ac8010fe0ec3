import { promises as fs, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { RunCheckpoint, TrainMetrics } from '../contract/index';

/**
 * Watches a run folder written by the training kit (resources/pytorch/train.py):
 *   RUN/checkpoints/step-NNNNNN/ (config.json + model.safetensors, renamed into place whole)
 *   RUN/metrics.jsonl           (one JSON object per step, appended)
 * with fs.watch where the file system reports changes and a poll as the fallback (network file
 * systems mounted from a cluster often report nothing). A checkpoint counts once its folder has
 * its final name and both files; folders still being written (`*.partial-*`) are never read.
 * metrics.jsonl is read incrementally from the last complete line, so a line being appended is
 * picked up whole on the next scan, and a file truncated by a resuming run is re-read from the start.
 */

const STEP_DIR = /^step-(\d{6,})$/;
/** Bytes of metrics.jsonl read per scan at most (a huge backlog is taken in slices). */
const MAX_READ = 16 * 1024 * 1024;

export interface RunSnapshot {
  checkpoints: RunCheckpoint[];
  /** Metrics appended since the previous scan (all of them on the first). */
  newMetrics: TrainMetrics[];
  /** True when metrics.jsonl shrank (a resumed run rewrote it): earlier metrics are void. */
  metricsReset: boolean;
}

export class RunFollower {
  private watchers: FSWatcher[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private offset = 0;
  private pending: Promise<void> | null = null;
  private again = false;
  private lastKey = '';
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly onChange: (s: RunSnapshot) => void,
    private readonly onError: (err: Error) => void,
    readonly pollMs = 2000,
  ) {}

  /** First scan (returned), then watching and polling until close(). */
  async start(): Promise<RunSnapshot> {
    const st = await fs.stat(this.dir).catch(() => null);
    if (!st?.isDirectory()) throw new Error(`${this.dir}: not a folder (a run folder holds checkpoints/ and metrics.jsonl)`);
    const first = await this.read();
    this.lastKey = keyOf(first.checkpoints);
    for (const d of [this.dir, path.join(this.dir, 'checkpoints')]) {
      try {
        const w = watch(d, () => this.kick());
        w.on('error', () => undefined); // the poll carries on
        this.watchers.push(w);
      } catch {
        // checkpoints/ may not exist yet, or the file system cannot be watched: the poll covers it
      }
    }
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref?.();
    return first;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Coalesces bursts of watch events into one scan at a time. */
  private kick(): void {
    if (this.closed) return;
    if (this.pending) {
      this.again = true;
      return;
    }
    this.pending = (async () => {
      do {
        this.again = false;
        try {
          const s = await this.read();
          const key = keyOf(s.checkpoints);
          if (!this.closed && (s.newMetrics.length || s.metricsReset || key !== this.lastKey)) {
            this.lastKey = key;
            this.onChange(s);
          }
        } catch (err) {
          if (!this.closed) this.onError(err as Error);
        }
      } while (this.again && !this.closed);
      this.pending = null;
    })();
  }

  private async read(): Promise<RunSnapshot> {
    const checkpoints = await listCheckpoints(this.dir);
    const { metrics, reset } = await this.readMetrics();
    return { checkpoints, newMetrics: metrics, metricsReset: reset };
  }

  private async readMetrics(): Promise<{ metrics: TrainMetrics[]; reset: boolean }> {
    const file = path.join(this.dir, 'metrics.jsonl');
    let handle;
    try {
      handle = await fs.open(file, 'r');
    } catch {
      return { metrics: [], reset: false };
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new Error(`${file}: not a regular file`);
      let reset = false;
      if (st.size < this.offset) {
        this.offset = 0;
        reset = true;
      }
      const len = Math.min(st.size - this.offset, MAX_READ);
      if (len <= 0) return { metrics: [], reset };
      const buf = Buffer.alloc(len);
      const { bytesRead } = await handle.read(buf, 0, len, this.offset);
      const text = buf.subarray(0, bytesRead).toString('utf8');
      const end = text.lastIndexOf('\n');
      if (end < 0) return { metrics: [], reset };
      this.offset += Buffer.byteLength(text.slice(0, end + 1));
      const metrics: TrainMetrics[] = [];
      for (const line of text.slice(0, end).split('\n')) {
        if (!line.trim()) continue;
        const m = parseMetricLine(line);
        if (m) metrics.push(m);
      }
      return { metrics, reset };
    } finally {
      await handle.close();
    }
  }
}

/** Complete checkpoint folders of a run, oldest first. */
export async function listCheckpoints(dir: string): Promise<RunCheckpoint[]> {
  const root = path.join(dir, 'checkpoints');
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch {
    return [];
  }
  const out: RunCheckpoint[] = [];
  for (const name of names) {
    const m = STEP_DIR.exec(name);
    if (!m) continue;
    const full = path.join(root, name);
    const [cfg, weights] = await Promise.all(['config.json', 'model.safetensors'].map((f) => fs.stat(path.join(full, f)).catch(() => null)));
    if (!cfg?.isFile() || !weights?.isFile()) continue;
    out.push({ step: Number(m[1]), path: full, mtimeMs: weights.mtimeMs, sizeBytes: cfg.size + weights.size });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** One line of metrics.jsonl as TrainMetrics, or null when it is not one (skipped, not fatal). */
export function parseMetricLine(line: string): TrainMetrics | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const num = (k: string): number => (typeof r[k] === 'number' ? (r[k] as number) : Number.NaN);
  if (!Number.isSafeInteger(r.step) || (r.step as number) < 1 || !Number.isFinite(num('loss'))) return null;
  const quantLoss: Record<string, number> = {};
  if (typeof r.quantLoss === 'object' && r.quantLoss !== null) {
    for (const [k, v] of Object.entries(r.quantLoss as Record<string, unknown>)) if (typeof v === 'number') quantLoss[k] = v;
  }
  const m: TrainMetrics = {
    step: r.step as number,
    totalSteps: Number.isSafeInteger(r.totalSteps) ? (r.totalSteps as number) : (r.step as number),
    loss: num('loss'),
    reconLoss: num('reconLoss'),
    quantLoss,
    perplexity: num('perplexity'),
    utilization: num('utilization'),
    deadCodes: num('deadCodes'),
    bitsPerToken: num('bitsPerToken'),
    compressionRatio: num('compressionRatio'),
    msPerStep: num('msPerStep'),
    etaSeconds: num('etaSeconds'),
  };
  if (typeof r.miou === 'number') m.miou = r.miou;
  if (typeof r.iou === 'number') m.iou = r.iou;
  if (typeof r.heldOutRecon === 'number') m.heldOutRecon = r.heldOutRecon;
  if (typeof r.heldOutMiou === 'number') m.heldOutMiou = r.heldOutMiou;
  if (typeof r.heldOutStep === 'number') m.heldOutStep = r.heldOutStep;
  return m;
}

function keyOf(c: RunCheckpoint[]): string {
  return c.map((x) => `${x.step}:${x.mtimeMs}`).join(',');
}
