import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../util/rng';

/**
 * What the ONNX graph tests need of a codebook for the id comparison to mean something.
 *
 * K distinct rows of `z [n, D]` picked at random plus a little noise (10 % of the rows' spread
 * about their mean), unit rows for a cosine codebook (an EMA cosine codebook is searched as stored). Distinct rows, because frames with
 * uniform regions give many equal latents, and two codes drawn from one latent are a tie at
 * float32's accuracy of ‖z‖² − 2z·c + ‖c‖², not a choice either engine can get right.
 */
export async function codebookNearRows(z: tf.Tensor2D, K: number, rng: Rng, seed: number, cosine = false): Promise<tf.Tensor2D> {
  const [n, D] = z.shape;
  const v = (await z.data()) as Float32Array;
  const seen = new Set<string>();
  const unique: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = Array.from(v.subarray(i * D, (i + 1) * D), (a) => a.toFixed(3)).join(',');
    if (!seen.has(key)) (seen.add(key), unique.push(i));
  }
  if (unique.length < K) throw new Error(`test: ${unique.length} distinct latents for a codebook of ${K}`);
  for (let i = unique.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [unique[i], unique[j]] = [unique[j]!, unique[i]!];
  }
  return tf.tidy(() => {
    const picked = tf.gather(z, Int32Array.from(unique.slice(0, K)));
    const spread = tf.sqrt(tf.mean(tf.square(tf.sub(z, tf.mean(z, 0, true)))));
    const rows = tf.add(picked, tf.mul(tf.randomNormal(picked.shape, 0, 0.1, 'float32', seed), spread)) as tf.Tensor2D;
    return cosine ? (tf.div(rows, tf.norm(rows, 2, 1, true)) as tf.Tensor2D) : rows;
  });
}

