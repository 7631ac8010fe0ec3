import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../util/rng';

/** How ids are drawn from the predictor's logits. */
export interface SamplingOptions {
  /** 0 (or below 1e-6) takes the argmax; otherwise logits are divided by it before the softmax. */
  temperature: number;
  /** Only the k most likely ids of each cell can be drawn (undefined or ≥ K: all). */
  topK?: number;
}

/**
 * One id per row of `logits` (`[N, K]`). The candidates and their probabilities are computed
 * on the backend (top-k, softmax); the draw itself is done in JS from the seeded `rng`, so the
 * same seed gives the same sample on every backend. Does not dispose `logits`.
 */
export async function sampleIds(logits: tf.Tensor2D, opts: SamplingOptions, rng: Rng): Promise<Int32Array> {
  const [n, K] = logits.shape;
  if (!(opts.temperature >= 0)) throw new RangeError(`sampling: temperature must be ≥ 0, got ${opts.temperature}`);
  if (opts.topK !== undefined && (!Number.isInteger(opts.topK) || opts.topK < 1)) {
    throw new RangeError(`sampling: topK must be a positive integer, got ${opts.topK}`);
  }
  if (opts.temperature < 1e-6 || opts.topK === 1) {
    const ids = tf.tidy(() => tf.cast(tf.argMax(logits, -1), 'int32'));
    const out = (await ids.data()) as Int32Array;
    ids.dispose();
    return Int32Array.from(out);
  }
  const k = opts.topK === undefined ? K : Math.min(opts.topK, K);
  if (k === K) {
    const probs = tf.tidy(() => tf.softmax(tf.div(logits, opts.temperature)));
    const p = (await probs.data()) as Float32Array;
    probs.dispose();
    return drawFromRows(p, null, n, K, rng);
  }
  const [probs, idx] = tf.tidy(() => {
    const { values, indices } = tf.topk(logits, k);
    return [tf.softmax(tf.div(values, opts.temperature)), indices];
  });
  const [p, ids] = await Promise.all([probs.data() as Promise<Float32Array>, idx.data() as Promise<Int32Array>]);
  probs.dispose();
  idx.dispose();
  return drawFromRows(p, ids, n, k, rng);
}

/**
 * Inverse-CDF draw per row of `probs` (`[n, k]`, rows summing to ~1); `ids` maps column → id
 * (null: the column is the id).
 */
export function drawFromRows(probs: Float32Array, ids: Int32Array | null, n: number, k: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    let total = 0;
    for (let j = 0; j < k; j++) total += probs[row + j]!;
    let u = rng.next() * total;
    let pick = -1;
    let lastPositive = 0;
    for (let j = 0; j < k; j++) {
      const pj = probs[row + j]!;
      if (pj > 0) lastPositive = j;
      u -= pj;
      if (u < 0) {
        pick = j;
        break;
      }
    }
    // Rounding can leave u ≥ 0 after the last column: take the last id that had any mass.
    if (pick < 0) pick = lastPositive;
    out[i] = ids ? ids[row + pick]! : pick;
  }
  return out;
}
