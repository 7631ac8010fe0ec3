import * as tf from '@tensorflow/tfjs-core';

/**
 * PyTorch's nn.GroupNorm on channel-last data (tfjs has none): the channels split into `groups`
 * consecutive groups; each sample's group is normalised by its own mean and biased variance
 * over (H, W, channels in the group), then scaled and shifted per channel. Plain differentiable
 * ops (moments, sub, div), so gradients come for free. Call inside a tidy.
 */
export function groupNorm(x: tf.Tensor4D, groups: number, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (c % groups !== 0) throw new Error(`group norm: ${c} channels do not split into ${groups} groups`);
  const g = tf.reshape(x, [b, h * w, groups, c / groups]);
  const { mean, variance } = tf.moments(g, [1, 3], true);
  const normed = tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(tf.reshape(normed, [b, h, w, c]), gamma), beta);
}

/** OccWorld's `Normalize`: 32 groups, or channels / 4 when there are 32 channels or fewer; eps 1e-6. */
export function occworldGroups(channels: number): number {
  return channels <= 32 ? Math.floor(channels / 4) : 32;
}

export const OCCWORLD_NORM_EPS = 1e-6;
