import * as tf from '@tensorflow/tfjs-core';
import type { FrameSequence } from '../data/frame';
import type { Tokenizer } from '../engine/tokenizer';
import type { ProgressFn } from './jobs';
import { checkTokens } from './sequence-tokens';
import type { SequenceTokens } from './sequence-tokens';

/**
 * The few tokenizer calls the service makes on its own thread, each small: decoding one frame's
 * tokens, a code's prototype, reading the codebook. (Encoding a whole sequence is the engine's
 * worker's job; `encodeSequenceInProcess` is the fallback where no worker can run.)
 */

/** Decoder output `[C, H, W]` for one frame's ids `[h, w, depth]`: values, or class logits. */
export async function decodeIds(tokenizer: Tokenizer, ids: Int32Array, h: number, w: number): Promise<Float32Array> {
  const depth = tokenizer.quantizer.depth;
  const out = tf.tidy(() => {
    const t = tf.tensor(ids, depth === 1 ? [1, h, w] : [1, h, w, depth], 'int32');
    return tokenizer.decodeIndices(t);
  });
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

/** The explicit codebook of one level `[K, D]`, or null for implicit ones (fsq, lfq, bsq). */
export async function readCodebook(tokenizer: Tokenizer, level: number): Promise<{ codes: Float32Array; size: number; dim: number } | null> {
  // Inside the tidy: a quantizer may build its codebook afresh on each call (EMA: sums / counts).
  let explicit = true;
  const t = tf.tidy((): tf.Tensor => {
    const cb = tokenizer.quantizer.codebook();
    if (!cb) {
      explicit = false;
      return tf.zeros([0, 0]);
    }
    return cb.rank === 3 ? tf.squeeze(tf.slice(cb, [level, 0, 0], [1, -1, -1]), [0]) : tf.clone(cb);
  });
  if (!explicit) {
    t.dispose();
    return null;
  }
  try {
    return { codes: (await t.data()) as Float32Array, size: t.shape[0]!, dim: t.shape[1]! };
  } finally {
    t.dispose();
  }
}

/** Codes `[n, D]` of the given ids at one position (implicit codebooks: the lattice points used). */
export async function codesOf(tokenizer: Tokenizer, ids: Int32Array, level: number): Promise<Float32Array> {
  const q = tokenizer.quantizer;
  const t = tf.tidy(() => {
    if (q.depth === 1) return q.indicesToCodes(tf.tensor1d(ids, 'int32'));
    // Residual quantizers with implicit codebooks (rfsq, rlfq) say what an id means at a level.
    if (q.levelCodes) return q.levelCodes(tf.tensor1d(ids, 'int32'), level);
    // Residual / grouped: ask for the code at `level` alone by zeroing the others is not possible
    // in general, so take the codebook row directly.
    const cb = q.codebook();
    if (!cb) throw new Error(`quantizer ${q.kind} has no codebook to read level ${level} from`);
    const levelBook = tf.squeeze(tf.slice(cb, [level, 0, 0], [1, -1, -1]), [0]);
    return tf.gather(levelBook, tf.tensor1d(ids, 'int32'));
  });
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/**
 * Encodes every frame of a sequence here, in batches, yielding to the event loop between them
 * so that the server stays responsive. Used only where the engine's worker is unavailable.
 */
export async function encodeSequenceInProcess(
  tokenizer: Tokenizer,
  seq: FrameSequence,
  progress: ProgressFn,
  batchSize = 4,
): Promise<SequenceTokens> {
  const [h, w] = tokenizer.tokenGrid(seq.height, seq.width);
  const depth = tokenizer.quantizer.depth;
  const frameSize = seq.channels * seq.height * seq.width;
  const cells = h * w;
  const indices = new Int32Array(seq.length * cells * depth);
  const quantError = new Float32Array(seq.length * cells);
  progress(0, seq.length);
  for (let start = 0; start < seq.length; start += batchSize) {
    const n = Math.min(batchSize, seq.length - start);
    const batch = new Float32Array(n * frameSize);
    for (let b = 0; b < n; b++) batch.set((await seq.getFrame(start + b)).data, b * frameSize);
    const x = tf.tensor4d(batch, [n, seq.channels, seq.height, seq.width]);
    const r = tokenizer.encode(x);
    x.dispose();
    try {
      const [ids, err] = await Promise.all([r.indices.data(), r.quantError.data()]);
      indices.set(ids as Int32Array, start * cells * depth);
      quantError.set(err as Float32Array, start * cells);
    } finally {
      r.indices.dispose();
      r.quantError.dispose();
    }
    progress(start + n, seq.length);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return checkTokens({ frames: seq.length, h, w, depth, codebookSize: tokenizer.quantizer.codebookSize, indices, quantError });
}
