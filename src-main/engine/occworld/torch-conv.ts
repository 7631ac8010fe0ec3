import * as tf from '@tensorflow/tfjs-core';

/**
 * PyTorch's Conv2d(k, stride, padding = (k − 1) / 2) on channel-last data, weight in tfjs layout
 * `[k, k, in, out]`. Stride 1 is tfjs' 'same'. Stride 2 is not: for an even size, 'same' pads
 * 0 before and 1 after while PyTorch pads 1 on both sides (and never reads the last one), so the
 * sampled windows would be shifted by a pixel. Pad explicitly, then convolve 'valid'.
 */
export function torchConv2d(x: tf.Tensor4D, weight: tf.Tensor, bias: tf.Tensor, stride: 1 | 2): tf.Tensor4D {
  const k = weight.shape[0]!;
  const p = (k - 1) / 2;
  const w = weight as tf.Tensor4D;
  const y =
    stride === 1 || p === 0
      ? tf.conv2d(x, w, stride, 'same')
      : tf.conv2d(tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]), w, stride, 'valid');
  return tf.add(y, bias);
}

/** x · sigmoid(x): taming's `nonlinearity` (SiLU). */
export function swish<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}
