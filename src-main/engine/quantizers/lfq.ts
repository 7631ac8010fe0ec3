/**
 * Lookup-free quantization (Yu et al. 2023, MAGVIT-v2), as vector-quantize-pytorch's LFQ:
 * each latent dimension becomes one bit, code = +1 where z > 0 else −1, index = Σ bit_d·2^(D−1−d)
 * (**dimension 0 is the most significant bit**, the opposite of FSQ).
 *
 * Loss = entropyWeight·(per-sample entropy − γ·codebook entropy) + β·‖z − sg(code)‖².
 * The reference takes a softmax over all 2^D codes of 2τ·z·c; that distribution factorises into
 * independent bits with P(bit_d = 1) = sigmoid(4τ·z_d), so the per-sample entropy is exactly the
 * sum of the bits' entropies (computed per bit here, never materialising 2^D probabilities). The
 * codebook (batch-average) entropy does not factorise: we use the sum of the per-bit entropies of
 * the batch-average bit probabilities, its upper bound (as BSQ's factorised estimate does).
 */
import * as tf from '@tensorflow/tfjs-core';
import { binaryEntropy, detached, mse, stopGradient, straightThrough } from './ops';
import type { QuantizeOptions, QuantizeResult, Quantizer } from './quantizer';

export interface BitQuantizerOptions {
  dim: number;
  /** Weight of the entropy term. Default 0.1 (the reference's). */
  entropyWeight?: number;
  /** Commitment weight. Default 0.25 (the reference's). */
  beta?: number;
  /** γ, the weight of the codebook entropy inside the entropy term. Default 1. */
  diversityGamma?: number;
  /** Inverse temperature τ of the soft assignment. Default 100 (the reference's). */
  invTemperature?: number;
}

/** Bit values 2^(D−1−d): dimension 0 is the most significant bit. */
export function bitMask(dim: number): number[] {
  return Array.from({ length: dim }, (_, d) => 2 ** (dim - 1 - d));
}

/**
 * The shared machinery of LFQ and BSQ: sign bits, MSB-first indices, factorised entropy.
 * Subclasses say how a latent maps to the vector that is signed (`prepare`) and the code scale.
 */
export abstract class BitQuantizer implements Quantizer {
  abstract readonly kind: 'lfq' | 'bsq';
  readonly dim: number;
  readonly codebookSize: number;
  readonly depth = 1;
  protected readonly opts: Required<BitQuantizerOptions>;
  private readonly mask: tf.Tensor1D;

  constructor(opts: BitQuantizerOptions, name: string) {
    if (!Number.isInteger(opts.dim) || opts.dim < 1 || opts.dim > 30) {
      throw new Error(`${name}: dim must be an integer in 1..30 (one bit per dimension, int32 indices), got ${opts.dim}`);
    }
    this.opts = { entropyWeight: 0.1, beta: 0.25, diversityGamma: 1, invTemperature: 100, ...opts };
    this.dim = opts.dim;
    this.codebookSize = 2 ** opts.dim;
    this.mask = tf.keep(tf.tensor1d(bitMask(opts.dim), 'int32'));
  }

  /** The vector whose signs are the bits (z itself for LFQ, z on the unit sphere for BSQ). */
  protected abstract prepare(z: tf.Tensor2D): tf.Tensor2D;
  /** Magnitude of each code component (1 for LFQ, 1/√D for BSQ). */
  protected abstract codeScale(): number;
  /** Softmax logits scale of one component: P(bit = 1) = sigmoid(scale·u_d). */
  protected abstract bitLogitScale(): number;

  quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult {
    if (z.rank !== 2 || z.shape[1] !== this.dim) {
      throw new Error(`${this.kind}: expected latents [N, ${this.dim}], got [${z.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const u = this.prepare(z);
      const s = this.codeScale();
      // Signs off the tape: `greater` has no gradient; the codes reach u by straight-through.
      const codes = detached(u, (v) => tf.sub(tf.mul(tf.cast(tf.greater(v, 0), 'float32'), 2 * s), s) as tf.Tensor2D);
      const indices = detached(u, (v) => tf.sum(tf.mul(tf.cast(tf.greater(v, 0), 'int32'), this.mask), 1));
      const commitment = mse(u, stopGradient(codes));
      const lossParts: Record<string, tf.Scalar> = { commitment };
      let loss = tf.mul(commitment, this.opts.beta) as tf.Scalar;
      if (opts.training && this.opts.entropyWeight > 0) {
        const p = tf.sigmoid(tf.mul(u, this.bitLogitScale())); // [N, D] P(bit = 1)
        const perSample = tf.mean(tf.sum(binaryEntropy(p), 1));
        const codebookEntropy = tf.sum(binaryEntropy(tf.mean(p, 0)));
        const ent = tf.sub(perSample, tf.mul(codebookEntropy, this.opts.diversityGamma)) as tf.Scalar;
        lossParts.entropy = ent;
        loss = tf.add(loss, tf.mul(ent, this.opts.entropyWeight)) as tf.Scalar;
      }
      const quantized = opts.training ? straightThrough(u, codes) : codes;
      return { quantized, indices, loss, lossParts };
    });
  }

  indicesToCodes(indices: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const idx = tf.reshape(tf.cast(indices, 'int32'), [-1, 1]);
      const bits = tf.mod(tf.floorDiv(idx, tf.reshape(this.mask, [1, -1])), 2);
      const s = this.codeScale();
      return tf.mul(tf.sub(tf.mul(tf.cast(bits, 'float32'), 2), 1), s) as tf.Tensor2D;
    });
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  /** The reference registers the bit mask as a persistent buffer, so its state_dict has `mask`. */
  state(): Record<string, tf.Tensor> {
    return { mask: this.mask };
  }

  loadState(state: Record<string, tf.Tensor>): void {
    const m = state.mask;
    if (m && (m.rank !== 1 || m.shape[0] !== this.dim)) {
      throw new Error(`${this.kind}: state "mask" has shape [${m.shape.join(', ')}], expected [${this.dim}]`);
    }
  }

  /** Implicit (2^D codes): indicesToCodes gives any of them. */
  codebook(): null {
    return null;
  }

  dispose(): void {
    this.mask.dispose();
  }
}

export class LookupFreeQuantizer extends BitQuantizer {
  readonly kind = 'lfq' as const;

  constructor(opts: BitQuantizerOptions) {
    super(opts, 'lfq');
  }

  protected prepare(z: tf.Tensor2D): tf.Tensor2D {
    return z;
  }

  protected codeScale(): number {
    return 1;
  }

  /** softmax over codes of 2τ·z·c factorises to sigmoid(4τ·z_d) per bit. */
  protected bitLogitScale(): number {
    return 4 * this.opts.invTemperature;
  }
}
