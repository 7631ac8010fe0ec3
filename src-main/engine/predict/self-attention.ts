import * as tf from '@tensorflow/tfjs-core';

/** Weights of one multi-head self-attention layer (`[D, D]` projections, no biases). */
export interface AttentionWeights {
  wq: tf.Variable;
  wk: tf.Variable;
  wv: tf.Variable;
  wo: tf.Variable;
}

/**
 * Full multi-head self-attention over the `n` cells of each of `batch` grids: `x` is
 * `[batch·n, D]` (already normalised), the result `[batch·n, D]` (not yet added to the residual).
 * Written with plain batched matmuls, softmax and transposes: all have gradient kernels on every
 * backend, and the project's wasm BatchMatMul kernel handles the transposed products.
 */
export function selfAttention(x: tf.Tensor2D, p: AttentionWeights, batch: number, n: number, heads: number): tf.Tensor2D {
  const d = x.shape[1];
  const dh = d / heads;
  const split = (w: tf.Variable) =>
    tf.reshape(tf.transpose(tf.reshape(tf.matMul(x, w as tf.Tensor2D), [batch, n, heads, dh]), [0, 2, 1, 3]), [batch * heads, n, dh]);
  const q = tf.mul(split(p.wq), 1 / Math.sqrt(dh));
  const k = split(p.wk);
  const v = split(p.wv);
  const attn = tf.softmax(tf.matMul(q, k, false, true)); // [B·heads, n, n]
  const mixed = tf.matMul(attn, v); // [B·heads, n, dh]
  const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [batch, heads, n, dh]), [0, 2, 1, 3]), [batch * n, d]);
  return tf.matMul(merged, p.wo as tf.Tensor2D);
}
