/**
 * Soft vector quantization: in training the decoder sees z_q = Σ_k softmax(−d_k/τ)·e_k, a
 * convex mix of the codes weighted by their squared distance d_k to the latent, so every code
 * near the latent gets gradient (no straight-through estimator); at inference the assignment is
 * the hard argmin, as for plain VQ. τ → 0 turns the mix into the nearest code, which is why the
 * trainer anneals it (temperature-schedule.ts) and measures the gap between the two
 * (train/soft-hard-gap.ts).
 *
 * The VQ losses stay those of the hard assignment (codebook ‖sg(z) − e_idx‖² without EMA, and
 * β·commitment ‖z − sg(e_idx)‖²): they pull latents onto their nearest code, which is what makes
 * the hard assignment at inference close to the soft one the decoder trained on. Indices (for
 * the usage metrics, EMA and dead-code reseeding) are the hard argmin too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkTemperature, type TemperatureQuantizer } from './assignment';
import { squaredDistances } from './ops';
import type { QuantizeOptions, QuantizeResult } from './quantizer';
import { VectorQuantizer, type VqOptions } from './vq';

export class SoftVectorQuantizer extends VectorQuantizer implements TemperatureQuantizer {
  readonly assignment = 'soft' as const;
  private tau: number;

  constructor(opts: VqOptions & { temperature?: number }) {
    if (opts.rotationTrick) throw new Error('vq: soft assignment has no straight-through step for the rotation trick to replace');
    super(opts);
    this.tau = opts.temperature ?? 1;
    checkTemperature(this.tau, 'soft vq');
  }

  get temperature(): number {
    return this.tau;
  }

  setTemperature(t: number): void {
    checkTemperature(t, 'soft vq');
    this.tau = t;
  }

  override quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult {
    if (!opts.training) return super.quantize(z, opts);
    // lookup (hard indices and losses; k-means on the first batch) before the codebook is read.
    return tf.tidy(() => {
      const r = this.lookup(z, opts);
      // The table as lookup compares with (normalised rows for cosine), differentiable to the codebook.
      const cb = this.codebook();
      const p = tf.softmax(tf.div(tf.neg(squaredDistances(r.input, cb)), this.tau)); // [N, K]
      const quantized = tf.matMul(p, cb) as tf.Tensor2D;
      return { quantized, indices: r.indices, loss: r.loss, lossParts: r.lossParts };
    });
  }
}
