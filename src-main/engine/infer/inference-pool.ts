import os from 'node:os';
import type { SourceSpec } from '../train/source-spec';
import type { TokenSet } from './encode-sequence';
import { InferenceWorker, type InferenceWorkerOptions } from './inference-worker';

/**
 * Several inference workers holding the same tokenizer, each encoding (or decoding) its own
 * contiguous slice of the frames. The wasm backend runs one thread per worker in Node (its
 * own threads are off there), so this is how whole-sequence encoding uses every core.
 * Results are identical to one worker's: frames are independent.
 */
export class InferencePool {
  private constructor(readonly workers: InferenceWorker[]) {}

  /** Starts `workers` workers (default: the machine's cores, at most 4) and loads the tokenizer in each. */
  static async create(opts: InferenceWorkerOptions & { workers?: number }): Promise<InferencePool> {
    const n = Math.max(1, opts.workers ?? Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
    const started = await Promise.allSettled(Array.from({ length: n }, () => InferenceWorker.create(opts)));
    const ok = started.filter((r): r is PromiseFulfilledResult<InferenceWorker> => r.status === 'fulfilled').map((r) => r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(ok.map((w) => w.dispose()));
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    return new InferencePool(ok);
  }

  get backend() {
    return this.workers[0]!.backend;
  }

  /** Contiguous slices of [0, T), one per worker (empty ones dropped). */
  private slices(T: number): Array<[number, number]> {
    const n = Math.min(this.workers.length, Math.max(1, T));
    const out: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) out.push([Math.floor((i * T) / n), Math.floor(((i + 1) * T) / n)]);
    return out.filter(([a, b]) => b > a);
  }

  /** Encodes frames [0, frames) of the source; `frames` is the sequence length (the caller opened it). */
  async encode(
    source: SourceSpec,
    frames: number,
    opts: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<TokenSet> {
    const slices = this.slices(frames);
    const done = new Array<number>(slices.length).fill(0);
    const parts = await Promise.all(
      slices.map(([a, b], i) =>
        // In-memory frames: each worker gets only its slice (no copy of the whole sequence per worker).
        this.workers[i]!.encode(source.kind === 'frames' ? { ...source, frames: source.frames.slice(a, b) } : source, {
          batchSize: opts.batchSize,
          range: source.kind === 'frames' ? [0, b - a] : [a, b],
          onProgress: (d) => {
            done[i] = d;
            opts.onProgress?.(done.reduce((a, b) => a + b, 0), frames);
          },
        }),
      ),
    );
    const { h, w, depth } = parts[0] ?? { h: 0, w: 0, depth: 1 };
    const tokens = new Int32Array(frames * h * w * depth);
    const quantError = new Float32Array(frames * h * w);
    parts.forEach((p, i) => {
      const start = slices[i]![0];
      tokens.set(p.tokens, start * h * w * depth);
      quantError.set(p.quantError, start * h * w);
    });
    return { tokens, quantError, frames, h, w, depth };
  }

  async decode(
    set: Pick<TokenSet, 'tokens' | 'frames' | 'h' | 'w' | 'depth'>,
    opts: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<Float32Array[]> {
    const per = set.h * set.w * set.depth;
    const slices = this.slices(set.frames);
    const done = new Array<number>(slices.length).fill(0);
    const parts = await Promise.all(
      slices.map(([a, b], i) =>
        this.workers[i]!.decode(
          { ...set, tokens: set.tokens.slice(a * per, b * per), frames: b - a },
          {
            batchSize: opts.batchSize,
            onProgress: (d) => {
              done[i] = d;
              opts.onProgress?.(done.reduce((x, y) => x + y, 0), set.frames);
            },
          },
        ),
      ),
    );
    return parts.flat();
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.dispose()));
  }
}
