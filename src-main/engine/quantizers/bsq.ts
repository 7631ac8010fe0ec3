/**
 * Binary spherical quantization (Zhao et al. 2024): the latent is projected onto the unit
 * sphere, u = z/‖z‖, and quantized to the nearest corner of the hypercube scaled onto that
 * sphere, code = sign(u)/√D (zero counts as negative, as LFQ's `z > 0`). Indices as LFQ's
 * (dimension 0 the most significant bit). Entropy term factorised per bit as in the paper,
 * with P(bit_d = 1) = sigmoid(4τ·u_d/√D) (the softmax of 2τ·u·c over the corners).
 * Gradients pass straight through the sign onto u, then through the normalisation to z.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { BitQuantizer, type BitQuantizerOptions } from './lfq';
import { l2normalize } from './ops';

export class BinarySphericalQuantizer extends BitQuantizer {
  readonly kind = 'bsq' as const;

  constructor(opts: BitQuantizerOptions) {
    super(opts, 'bsq');
  }

  protected prepare(z: tf.Tensor2D): tf.Tensor2D {
    return l2normalize(z);
  }

  protected codeScale(): number {
    return 1 / Math.sqrt(this.dim);
  }

  protected bitLogitScale(): number {
    return (4 * this.opts.invTemperature) / Math.sqrt(this.dim);
  }
}
