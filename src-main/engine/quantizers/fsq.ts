/**
 * Finite scalar quantization (Mentzer et al. 2023), as vector-quantize-pytorch's FSQ:
 * each latent dimension d is bounded by tanh to L_d levels and rounded; the code is the
 * rounded value rescaled to [−1, 1]. Even levels get the reference's half-step offset.
 *
 *   half_l = (L − 1)(1 + 1e-3)/2, offset = 0.5 for even L else 0, shift = atanh(offset/half_l)
 *   bounded = tanh(z + shift)·half_l − offset;  code = round(bounded) / ⌊L/2⌋
 *   index = Σ_d (round(bounded)_d + ⌊L_d/2⌋)·basis_d, basis = cumprod([1, L_0, L_1, …])
 *
 * Dimension 0 is the least significant digit of the index. Rounding is round-half-to-even
 * (tf.round on cpu and wasm, like torch.round), so exact ties go the reference's way whenever
 * our float32 tanh lands on the same value as PyTorch's.
 * No loss; gradients pass straight through the rounding and into tanh.
 */
import * as tf from '@tensorflow/tfjs-core';
import { roundSte } from './ops';
import type { QuantizeOptions, QuantizeResult, Quantizer } from './quantizer';

const f32 = Math.fround;

/** The reference's per-level constants, computed in float32 in the same order as PyTorch. */
export function fsqConstants(levels: readonly number[]): { halfL: number[]; offset: number[]; shift: number[]; halfWidth: number[]; basis: number[] } {
  const eps = f32(1 + 1e-3);
  const halfL = levels.map((L) => f32(f32((L - 1) * eps) / 2));
  const offset = levels.map((L) => (L % 2 === 0 ? 0.5 : 0));
  const shift = levels.map((_, i) => f32(Math.atanh(f32(offset[i]! / halfL[i]!))));
  const halfWidth = levels.map((L) => Math.floor(L / 2));
  const basis: number[] = [];
  let b = 1;
  for (const L of levels) {
    basis.push(b);
    b *= L;
  }
  return { halfL, offset, shift, halfWidth, basis };
}

export class FiniteScalarQuantizer implements Quantizer {
  readonly kind = 'fsq' as const;
  readonly dim: number;
  readonly codebookSize: number;
  readonly depth = 1;
  readonly levels: readonly number[];

  private readonly consts: ReturnType<typeof fsqConstants>;

  constructor(levels: readonly number[], dim?: number) {
    if (levels.length === 0 || levels.some((L) => !Number.isInteger(L) || L < 2)) {
      throw new Error(`fsq: levels must be integers ≥ 2, got [${levels.join(', ')}]`);
    }
    if (dim !== undefined && dim !== levels.length) {
      throw new Error(`fsq: latent dim ${dim} must equal the number of levels (${levels.length}); FSQ here has no projection`);
    }
    const size = levels.reduce((a, b) => a * b, 1);
    if (size > 2 ** 31 - 1) throw new Error(`fsq: codebook size ${size} does not fit in int32 indices`);
    this.levels = [...levels];
    this.dim = levels.length;
    this.codebookSize = size;
    this.consts = fsqConstants(levels);
  }

  /** `tanh(z + shift)·half_l − offset`, the value just before rounding (the fixtures' `preround`). */
  bound(z: tf.Tensor2D): tf.Tensor2D {
    const c = this.consts;
    return tf.tidy(() => {
      const shift = tf.tensor1d(c.shift);
      const halfL = tf.tensor1d(c.halfL);
      const offset = tf.tensor1d(c.offset);
      return tf.sub(tf.mul(tf.tanh(tf.add(z, shift)), halfL), offset) as tf.Tensor2D;
    });
  }

  quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult {
    void opts;
    if (z.rank !== 2 || z.shape[1] !== this.dim) {
      throw new Error(`fsq: expected latents [N, ${this.dim}], got [${z.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const rounded = roundSte(this.bound(z));
      const halfWidth = tf.tensor1d(this.consts.halfWidth);
      const quantized = tf.div(rounded, halfWidth) as tf.Tensor2D;
      // Level index per dimension is an exact small integer in float32; the sum is in int32.
      const levelIdx = tf.cast(tf.add(rounded, halfWidth), 'int32');
      const indices = tf.sum(tf.mul(levelIdx, tf.tensor1d(this.consts.basis, 'int32')), 1);
      const zero = tf.scalar(0);
      return { quantized, indices, loss: zero, lossParts: {} };
    });
  }

  /** Level index of each dimension, `[N, D]` int32 (dimension 0 least significant). */
  indicesToLevels(indices: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const idx = tf.reshape(tf.cast(indices, 'int32'), [-1, 1]);
      const basis = tf.tensor2d(this.consts.basis, [1, this.dim], 'int32');
      const levels = tf.tensor2d([...this.levels], [1, this.dim], 'int32');
      return tf.mod(tf.floorDiv(idx, basis), levels) as tf.Tensor2D;
    });
  }

  indicesToCodes(indices: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const hw = tf.tensor1d(this.consts.halfWidth);
      return tf.div(tf.sub(tf.cast(this.indicesToLevels(indices), 'float32'), hw), hw) as tf.Tensor2D;
    });
  }

  /** Every code in index order, `[K, D]` (the reference's `implicit_codebook`). */
  implicitCodebook(): tf.Tensor2D {
    return tf.tidy(() => this.indicesToCodes(tf.range(0, this.codebookSize, 1, 'int32')));
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  /** FSQ has no persistent tensors: its levels live in the config. */
  state(): Record<string, tf.Tensor> {
    return {};
  }

  loadState(state: Record<string, tf.Tensor>): void {
    void state;
  }

  /** Implicit: see `implicitCodebook()`. */
  codebook(): null {
    return null;
  }

  dispose(): void {}
}
