import { InferencePool } from '../engine/infer/inference-pool';
import { plainWeights } from '../engine/train/snapshot';
import type { SourceSpec } from '../engine/train/source-spec';
import type { Tokenizer } from '../engine/tokenizer';
import type { ProgressFn } from './jobs';
import { checkTokens } from './sequence-tokens';
import type { SequenceTokens } from './sequence-tokens';

/**
 * Encodes whole sequences in the engine's inference worker threads, so that the service's thread
 * (Electron's main process, the web server) stays free while it runs: a pool of one worker per
 * core (wasm runs one thread per worker in Node), each encoding a contiguous slice of the frames
 * (2 workers: ~1.9× one thread's frames/s on the reference model). Each worker opens the data
 * itself from the source's spec.
 *
 * The pool lives across jobs: starting it costs ~1.8 s (threads + backend init), so it is kept
 * for as long as tokenizers share its architecture and encoding, and each job only sends the
 * tokenizer's current weights to the running workers. A tokenizer of another shape (or another
 * normalisation, which is part of the config the workers built their model from) replaces it.
 */
export class WorkerEncoder {
  private pool: { key: string; pool: Promise<InferencePool> } | null = null;
  /** Jobs run one at a time: a job's weights must stay in the workers until its encode is done. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly entry?: URL) {}

  encode(tokenizer: Tokenizer, source: SourceSpec, progress: ProgressFn): Promise<SequenceTokens> {
    const run = this.queue.then(() => this.run(tokenizer, source, progress));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the workers unless they fit `tokenizer` (its architecture changed); after any queued job. */
  releaseUnless(tokenizer: Tokenizer): void {
    const key = poolKey(tokenizer);
    this.queue = this.queue.then(() => (this.pool && this.pool.key !== key ? this.drop() : undefined)).catch(() => undefined);
  }

  /** Stops the workers (the workspace is going away). */
  async dispose(): Promise<void> {
    await this.queue;
    await this.drop();
  }

  private async run(tokenizer: Tokenizer, source: SourceSpec, progress: ProgressFn): Promise<SequenceTokens> {
    const weights = await plainWeights(tokenizer);
    const key = poolKey(tokenizer);
    let pool: InferencePool;
    try {
      if (this.pool?.key === key) {
        pool = await this.pool.pool;
        await pool.setWeights(weights);
      } else {
        await this.drop();
        const created = InferencePool.create({
          config: tokenizer.cfg,
          encoding: tokenizer.encoding,
          weights,
          backend: { allowNative: true },
          ...(this.entry ? { entry: this.entry } : {}),
        });
        this.pool = { key, pool: created };
        pool = await created;
      }
      const r = await pool.encode(source, undefined, { onProgress: (done, total) => progress(done, total) });
      progress(r.frames, r.frames);
      return checkTokens({
        frames: r.frames,
        h: r.h,
        w: r.w,
        depth: r.depth,
        codebookSize: tokenizer.quantizer.codebookSize,
        indices: r.tokens,
        quantError: r.quantError,
        engine: pool.engineLabel,
      });
    } catch (err) {
      // A failed job may leave a worker dead or half-loaded: the next job starts afresh.
      await this.drop();
      throw err;
    }
  }

  private async drop(): Promise<void> {
    const old = this.pool;
    this.pool = null;
    if (old) await old.pool.then((p) => p.dispose(), () => undefined);
  }
}

/** What the workers' tokenizers are built from, besides weights: pools with the same key are interchangeable. */
function poolKey(tokenizer: Tokenizer): string {
  const { model, quantizer, normalization } = tokenizer.cfg;
  return JSON.stringify({ model, quantizer, normalization, encoding: tokenizer.encoding });
}
