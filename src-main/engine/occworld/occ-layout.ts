import * as tf from '@tensorflow/tfjs-core';

/**
 * The product's BEV frames and OccWorld's tensors lay the ground plane out differently. A frame
 * is an image (bev-grid.ts): row r = the y index counted from the top (y = Y − 1 − r), column =
 * the x index. OccWorld feeds `[X, Y, Z]` voxels as NCHW with H = x and W = y. Convolutions are
 * not symmetric under a transpose or a flip, so the network must see OccWorld's layout for its
 * weights to mean what they meant in training: these two exact permutations convert
 * channel-last tensors at the model's boundary (input frames, latents, codes, logits).
 */

/** `[B, rows = Y, cols = X, C]` → `[B, X, Y, C]`: G[x, y] = F[Y − 1 − y, x]. */
export function frameToOccLayout(f: tf.Tensor4D): tf.Tensor4D {
  return tf.reverse(tf.transpose(f, [0, 2, 1, 3]), 2) as tf.Tensor4D;
}

/** The inverse: `[B, X, Y, C]` → `[B, rows = Y, cols = X, C]`: F[r, x] = G[x, Y − 1 − r]. */
export function occToFrameLayout(g: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(g, 2), [0, 2, 1, 3]) as tf.Tensor4D;
}
