import * as tf from '@tensorflow/tfjs-core';
import type { Tokenizer } from '../tokenizer';
import type { TiTokNets } from '../titok/titok-nets';

/**
 * For tests: a TiTok tokenizer's `encoder.to_latent` rescaled per latent channel so the latents
 * of frames `x [B, C, H, W]` have mean 0 and std 1 (W/σ, (b − μ)/σ; TiTokParams keeps W as
 * `[in, out]`, so per column). A random or briefly trained TiTok gives every token nearly the
 * same latent (the queries start at N(0, 0.02), the projections' biases dominate): one code for
 * everything, and a comparison of ids that means nothing. Standardised, FSQ's levels and a
 * codebook drawn near the latents see latents spread over many codes, as a trained encoder's;
 * centred, the VQ distance ‖z‖² − 2z·c + ‖c‖² (both engines') keeps its accuracy.
 */
export function standardiseTiTokLatents(tok: Tokenizer, x: tf.Tensor4D): void {
  const p = (tok.nets as TiTokNets).params_;
  tf.tidy(() => {
    const z4 = tok.latents(tok.toNhwc(x));
    const { mean, variance } = tf.moments(tf.reshape(z4, [-1, z4.shape[3]]), 0);
    const sigma = tf.sqrt(tf.add(variance, 1e-6));
    const w = p.get('encoder.to_latent.weight');
    const b = p.get('encoder.to_latent.bias');
    w.assign(tf.div(w, sigma));
    b.assign(tf.div(tf.sub(b, mean), sigma));
  });
}
