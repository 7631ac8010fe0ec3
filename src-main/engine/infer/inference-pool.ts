import os from 'node:os';
import type { PlainTensor } from '../train/snapshot';
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
  /** Per worker: shared memory that in-memory frames are staged in, kept between calls (see stage). */
  private readonly staging: Float32Array[] = [];
  /** Encodes of in-memory frames run one at a time, as they reuse `staging`. */
  private framesQueue: Promise<unknown> = Promise.resolve();

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
    // Native TensorFlow threads each op itself: more workers would only compete for the cores.
    // ONNX Runtime runs one thread per worker, so a pool that encodes with it keeps them all.
    const nativeThreads = ok[0]!.backend?.name.startsWith('tensorflow') && ok[0]!.encodeEngine?.name !== 'onnxruntime';
    if (ok.length > 1 && nativeThreads) await Promise.all(ok.splice(1).map((w) => w.dispose()));
    return new InferencePool(ok);
  }

  get backend() {
    return this.workers[0]!.backend;
  }

  /** The engine the workers encode with (they decide alike: same model, same backend). */
  get encodeEngine() {
    return this.workers[0]!.encodeEngine;
  }

  /** "ONNX Runtime 1.30.0 (CPU), 2 workers" or "TensorFlow.js wasm, 2 workers": what encodes, for people. */
  get engineLabel(): string {
    const e = this.encodeEngine;
    const what = e?.name === 'onnxruntime' ? e.detail : `TensorFlow.js ${this.backend?.name ?? ''}`.trim();
    const n = this.workers.length;
    return `${what}, ${n} worker${n === 1 ? '' : 's'}`;
  }

  /** Gives every worker new weights for its tokenizer (same architecture), instead of starting new workers. */
  async setWeights(weights: Record<string, PlainTensor>): Promise<void> {
    await Promise.all(this.workers.map((w) => w.setWeights(weights)));
  }

  /** Contiguous slices of [0, T), one per worker (empty ones dropped). */
  private slices(T: number): Array<[number, number]> {
    const n = Math.min(this.workers.length, Math.max(1, T));
    const out: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) out.push([Math.floor((i * T) / n), Math.floor(((i + 1) * T) / n)]);
    return out.filter(([a, b]) => b > a);
  }

  /**
   * Encodes the whole source. `frames` is its length where the caller knows it (it opened the
   * sequence); left out, the first worker opens the source to count them.
   */
  async encode(
    source: SourceSpec,
    frames?: number,
    opts: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<TokenSet> {
    if (source.kind !== 'frames') return this.encodeSlices(source, frames ?? (await this.workers[0]!.count(source)), opts);
    frames ??= source.frames.length;
    const run = this.framesQueue.then(() => this.encodeSlices(source, frames, opts));
    this.framesQueue = run.catch(() => undefined);
    return run;
  }

  private async encodeSlices(
    source: SourceSpec,
    frames: number,
    opts: { batchSize?: number; onProgress?: (done: number, total: number) => void },
  ): Promise<TokenSet> {
    const slices = this.slices(frames);
    const done = new Array<number>(slices.length).fill(0);
    const parts = await Promise.all(
      slices.map(([a, b], i) =>
        // In-memory frames: each worker gets only its slice, in shared memory (see stage).
        this.workers[i]!.encode(source.kind === 'frames' ? { ...source, frames: this.stage(i, source.frames, a, b) } : source, {
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

  /**
   * Frames [a, b) copied into worker i's staging memory (a SharedArrayBuffer, grown when too
   * small), as views on it. Posting plain Float32Arrays structured-clones them: serialised here
   * into fresh memory, deserialised on the worker's thread into more, while the workers sit idle.
   * Fresh memory is what costs: first-touch page faults run at ~300 MB/s on a small VM, ~110 ms
   * for 128 reference frames (32 MiB), enough to make two workers slower than one thread. Shared
   * memory that stays mapped crosses without a copy and is refilled at memcpy speed; the
   * caller's arrays stay untouched (transferring them would detach them).
   */
  private stage(i: number, frames: Float32Array[], a: number, b: number): Float32Array[] {
    let total = 0;
    for (let f = a; f < b; f++) total += frames[f]!.length;
    let buf = this.staging[i];
    if (!buf || buf.length < total) {
      buf = new Float32Array(new SharedArrayBuffer(total * Float32Array.BYTES_PER_ELEMENT));
      this.staging[i] = buf;
    }
    const out: Float32Array[] = [];
    let at = 0;
    for (let f = a; f < b; f++) {
      const frame = frames[f]!;
      buf.set(frame, at);
      out.push(buf.subarray(at, at + frame.length));
      at += frame.length;
    }
    return out;
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
    this.staging.length = 0;
    await Promise.all(this.workers.map((w) => w.dispose()));
  }
}

