import * as tf from '@tensorflow/tfjs-core';
import type { BevFrame, FrameSequence } from '../../data/frame';
import { toFrameSpace } from '../model/losses';
import type { Tokenizer } from '../tokenizer';
import { giveBackStaging, takeStaging } from './staging-memory';

/**
 * Whole-sequence inference in batches: frames → token grids, token grids → frames. Plain typed
 * arrays in and out (what crosses threads and goes into .npy token datasets).
 */
export interface TokenSet {
  /** int32 `[T, h, w]`, or `[T, h, w, depth]` when depth > 1, row-major. */
  tokens: Int32Array;
  /** Squared quantization error `[T, h, w]`. */
  quantError: Float32Array;
  frames: number;
  h: number;
  w: number;
  depth: number;
}

export interface BatchOptions {
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Checked between batches; an aborted run throws. */
  signal?: AbortSignal;
  /** Encode only frames [start, end) of the sequence (default: all); the result holds end − start frames. */
  range?: [number, number];
}

/**
 * Another engine's encoder of one batch: frames `[n, C, H, W]` (channel-first, frame units) →
 * ids and squared quantization errors `[n, h, w]`, as `Tokenizer.encode` computes them.
 */
export type BatchEncoder = (
  frames: Float32Array,
  shape: [number, number, number, number],
) => Promise<{ ids: Int32Array; error: Float32Array }>;

/** Encodes with the tokenizer on TensorFlow.js, or with `engine` when given (see onnx/onnx-encoder.ts). */
export async function encodeSequence(
  tokenizer: Tokenizer,
  seq: FrameSequence,
  opts: BatchOptions = {},
  engine?: BatchEncoder,
): Promise<TokenSet> {
  const B = Math.max(1, opts.batchSize ?? 8);
  const [first, end] = opts.range ?? [0, seq.length];
  if (!(Number.isInteger(first) && Number.isInteger(end) && first >= 0 && end <= seq.length && first <= end)) {
    throw new Error(`encode: frame range [${first}, ${end}) is not within 0..${seq.length} of "${seq.name}"`);
  }
  const T = end - first;
  const { channels: C, height: H, width: W } = seq;
  const [h, w] = tokenizer.tokenGrid(H, W);
  tokenizer.checkFrames({ rank: 4, shape: [1, C, H, W] } as unknown as tf.Tensor);
  const depth = tokenizer.quantizer.depth;
  const tokens = new Int32Array(T * h * w * depth);
  const quantError = new Float32Array(T * h * w);
  const per = C * H * W;
  const { batch, finish } = sequenceBatches(seq, first, T, B, per);
  for (let start = 0; start < T; start += B) {
    if (opts.signal?.aborted) throw new Error(`encoding of "${seq.name}" was cancelled`);
    const n = Math.min(B, T - start);
    const buf = await batch(start);
    if (engine) {
      const r = await engine(buf, [n, C, H, W]);
      if (r.ids.length !== n * h * w * depth || r.error.length !== n * h * w) {
        throw new Error(`encode: the encoder returned ${r.ids.length} ids for ${n} frames of ${h}×${w} tokens`);
      }
      tokens.set(r.ids, start * h * w * depth);
      quantError.set(r.error, start * h * w);
      opts.onProgress?.(start + n, T);
      continue;
    }
    const x = tf.tensor4d(buf, [n, C, H, W]);
    const r = tokenizer.encode(x);
    try {
      const [ids, err] = await Promise.all([r.indices.data<'int32'>(), r.quantError.data<'float32'>()]);
      tokens.set(ids, start * h * w * depth);
      quantError.set(err, start * h * w);
    } finally {
      tf.dispose([x, r.indices, r.quantError]);
    }
    opts.onProgress?.(start + n, T);
  }
  finish();
  return { tokens, quantError, frames: T, h, w, depth };
}

/**
 * Token grids → frames `[C, H, W]` each, in frame space (class frames as per-group class
 * probabilities, continuous frames as decoded).
 */
export async function decodeTokens(
  tokenizer: Tokenizer,
  set: Pick<TokenSet, 'tokens' | 'frames' | 'h' | 'w' | 'depth'>,
  opts: BatchOptions = {},
): Promise<Float32Array[]> {
  const B = Math.max(1, opts.batchSize ?? 8);
  const { frames: T, h, w, depth } = set;
  if (depth !== tokenizer.quantizer.depth) throw new Error(`decode: tokens have depth ${depth}, the quantizer ${tokenizer.quantizer.depth}`);
  if (set.tokens.length !== T * h * w * depth) {
    throw new Error(`decode: ${set.tokens.length} token ids do not fill [${T}, ${h}, ${w}${depth > 1 ? `, ${depth}` : ''}]`);
  }
  const K = tokenizer.quantizer.codebookSize;
  for (let i = 0; i < set.tokens.length; i++) {
    const id = set.tokens[i]!;
    if (id < 0 || id >= K) throw new Error(`decode: token id ${id} at position ${i} is outside 0..${K - 1}`);
  }
  const out: Float32Array[] = [];
  const per = h * w * depth;
  for (let start = 0; start < T; start += B) {
    if (opts.signal?.aborted) throw new Error('decoding was cancelled');
    const n = Math.min(B, T - start);
    const ids = tf.tensor(set.tokens.subarray(start * per, (start + n) * per), depth > 1 ? [n, h, w, depth] : [n, h, w], 'int32');
    const frames = tf.tidy(() => {
      const o = tokenizer.decodeIndices(ids);
      const nhwc = tf.transpose(o, [0, 2, 3, 1]) as tf.Tensor4D;
      return tf.transpose(toFrameSpace(nhwc, tokenizer.encoding), [0, 3, 1, 2]);
    });
    try {
      const data = await frames.data<'float32'>();
      const size = data.length / n;
      for (let i = 0; i < n; i++) out.push(data.slice(i * size, (i + 1) * size));
    } finally {
      tf.dispose([ids, frames]);
    }
    opts.onProgress?.(start + n, T);
  }
  return out;
}

/**
 * The frames of batch `start` (relative to `first`), `[n, C, H, W]` back to back, and the next
 * batch's read started before the frames are returned, so that file reads and decompression
 * (libuv's thread pool) overlap the encoder instead of alternating with it. Batches must be asked
 * for in order, each after the previous one's frames are no longer used (encoded). Each read gets
 * a no-op handler at once: a read that fails while the encoder runs must surface when its batch
 * is awaited, not as an unhandled rejection.
 *
 * A sequence with `readFramesInto` (a lazily read float .npy) reads each batch straight into one
 * of two staging buffers (batch k + 1 into one while batch k encodes from the other): no array
 * per frame and no copy. Otherwise frames come from `getFrame` and are copied into one staging
 * buffer. Staging buffers live for the whole sequence, and are kept for the next one
 * (staging-memory.ts) when `finish` is called after the last batch: fresh multi-MiB arrays cost
 * their first-touch page faults. A failed encode does not call it (a read may still be landing).
 */
function sequenceBatches(
  seq: FrameSequence,
  first: number,
  T: number,
  B: number,
  per: number,
): { batch: (start: number) => Promise<Float32Array>; finish: () => void } {
  const quiet = <V>(p: Promise<V>): Promise<V> => {
    p.catch(() => undefined);
    return p;
  };
  if (seq.readFramesInto) {
    // The second buffer holds batches 1, 3, …: at most min(B, T − B) frames.
    const staging: Array<Float32Array | undefined> = [takeStaging(Math.min(B, T) * per), undefined];
    const read = (start: number): Promise<Float32Array> | undefined => {
      if (start >= T) return undefined;
      const n = Math.min(B, T - start);
      const k = (start / B) % 2;
      const dst = (staging[k] ??= takeStaging(Math.min(B, T - B) * per)).subarray(0, n * per);
      return quiet(seq.readFramesInto!(first + start, n, dst).then(() => dst));
    };
    let next = read(0);
    return {
      batch: async (start) => {
        const buf = await next!;
        next = read(start + B);
        return buf;
      },
      finish: () => giveBackStaging(...staging),
    };
  }
  const staging = takeStaging(Math.min(B, T) * per);
  const request = (start: number): Array<Promise<BevFrame>> =>
    Array.from({ length: Math.max(0, Math.min(B, T - start)) }, (_, i) => quiet(seq.getFrame(first + start + i)));
  let next = request(0);
  const batch = async (start: number): Promise<Float32Array> => {
    const n = Math.min(B, T - start);
    const buf = staging.subarray(0, n * per);
    const frames = next;
    for (let i = 0; i < n; i++) {
      const f = await frames[i]!;
      if (f.data.length !== per) throw new Error(`"${seq.name}" frame ${first + start + i} has ${f.data.length} values, expected ${per}`);
      buf.set(f.data, i * per);
    }
    next = request(start + B);
    return buf;
  };
  return { batch, finish: () => giveBackStaging(staging) };
}
