import * as tf from '@tensorflow/tfjs-core';

/**
 * VQGAN's adaptive weight (taming-transformers, vqperceptual.py `calculate_adaptive_weight`):
 * λ = ‖∇_W L_nll‖ / (‖∇_W L_G‖ + 1e-4), clamped to [0, 1e4] and detached, where W is the
 * decoder's last layer weight. It scales the generator loss so that its gradient at the output
 * is as large as the reconstruction's, whatever the data's units.
 */
export const ADAPTIVE_EPS = 1e-4;
export const ADAPTIVE_MAX = 1e4;

/** The decoder cut before its last layer (what the adaptive weight differentiates by). */
export interface DecoderSplit {
  /** The last layer's input. */
  hidden: tf.Tensor4D;
  /** The last layer's weight, taming's `decoder.conv_out.weight`. */
  weight: tf.Variable;
  /** The last layer applied to `hidden` with the given weight (its bias and anything after from the net). */
  last(hidden: tf.Tensor4D, weight: tf.Tensor): tf.Tensor4D;
}

export function adaptiveWeight(nllGrad: tf.Tensor, gGrad: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.clipByValue(tf.div(tf.norm(nllGrad), tf.add(tf.norm(gGrad), ADAPTIVE_EPS)), 0, ADAPTIVE_MAX) as tf.Scalar);
}

/** ∇_W of a loss whose gradient at the last layer's output is `dOut` (the layer's vector–Jacobian product). */
export function lastLayerGrad(split: DecoderSplit, dOut: tf.Tensor4D): tf.Tensor {
  return tf.grads((w: tf.Tensor) => split.last(split.hidden, w))([split.weight], dOut)[0]!;
}

/**
 * The identity on `out` whose gradient adds `scale · dG`: with λ and ∂L_G/∂out known in the
 * forward pass, backpropagating L_nll through it gives the generator exactly
 * ∇(L_nll + λ·L_G) with λ detached, in one backward pass through the encoder and decoder.
 */
export function addToGradient(out: tf.Tensor4D, scale: tf.Scalar, dG: tf.Tensor4D): tf.Tensor4D {
  const op = tf.customGrad((x) => ({
    value: (x as tf.Tensor).clone(),
    gradFunc: ((dy: tf.Tensor) => [tf.add(dy, tf.mul(scale, dG))]) as (dy: tf.Tensor) => tf.Tensor[],
  }));
  return op(out) as tf.Tensor4D;
}
