import * as tf from '@tensorflow/tfjs-core';

/**
 * The GAN objectives of taming-transformers' VQGAN (vqperceptual.py) on patch logits:
 * - `hinge`: D: ½·(mean(relu(1 − real)) + mean(relu(1 + fake))), G: −mean(fake) (taming's pair).
 * - `non-saturating`: D: ½·(mean(softplus(−real)) + mean(softplus(fake))) (taming's vanilla_d_loss),
 *   G: mean(softplus(−fake)) = −mean(log σ(fake)), Goodfellow's non-saturating generator loss
 *   (taming keeps −mean(fake) for both; MaskGIT-style tokenizers use this one).
 */
export type GanLossKind = 'hinge' | 'non-saturating';

/** log(1 + eˣ) from ops every backend has (wasm lacks Softplus): relu(x) + log(1 + e^−|x|), stable for large |x|. */
export function softplus(x: tf.Tensor): tf.Tensor {
  return tf.add(tf.relu(x), tf.log(tf.add(1, tf.exp(tf.neg(tf.abs(x))))));
}

export function discriminatorLoss(kind: GanLossKind, real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [r, f] =
      kind === 'hinge'
        ? [tf.mean(tf.relu(tf.sub(1, real))), tf.mean(tf.relu(tf.add(1, fake)))]
        : [tf.mean(softplus(tf.neg(real))), tf.mean(softplus(fake))];
    return tf.mul(0.5, tf.add(r, f)) as tf.Scalar;
  });
}

export function generatorLoss(kind: GanLossKind, fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => (kind === 'hinge' ? tf.neg(tf.mean(fake)) : tf.mean(softplus(tf.neg(fake)))) as tf.Scalar);
}

/**
 * pix2pixHD's feature-matching loss: the mean over the discriminator's layers of the L1
 * distance between its features of the reconstruction and of the real frame (real ones
 * detached by the caller). It stands in for VQGAN's perceptual term, which needs image weights.
 */
export function featureMatchingLoss(fake: tf.Tensor[], real: tf.Tensor[]): tf.Scalar {
  if (fake.length !== real.length || fake.length === 0) throw new Error('feature matching: expected the same non-empty list of layers');
  return tf.tidy(() => tf.div(tf.addN(fake.map((f, i) => tf.mean(tf.abs(tf.sub(f, real[i]!))))), fake.length) as tf.Scalar);
}
