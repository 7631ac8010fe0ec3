/**
 * Residual FSQ (vector-quantize-pytorch's ResidualFSQ, v1.31): `depth` FSQ levels applied in turn
 * to what the previous ones left over, each on a finer grid. Level q quantizes `r_q / s_q` with
 * the **symmetry-preserving** FSQ and adds back `code · s_q`, where `s_q = L^−q` per dimension:
 *
 *   x   = tanh(z / c) · c,  c = 1 + 1/(L − 1)            (the input soft clamp, per dimension)
 *   k_q = ⌊(L − 1)(clamp(r_q / s_q, −1, 1) + 1)/2 + ½⌋   (level index, 0..L−1)
 *   code_q = k_q · 2/(L − 1) − 1,  r_{q+1} = r_q − sg(code_q · s_q),  out = Σ_q code_q · s_q
 *   index_q = Σ_d k_{q,d} · basis_d,  basis = cumprod([1, L_0, L_1, …])  (dimension 0 least significant)
 *
 * The symmetric grid includes ±1 for every L (even ones too), unlike plain FSQ's; the reference's
 * hard clamp (`bound_hard_clamp`) replaces FSQ's tanh because the soft clamp already bounded x.
 * No loss; gradients pass straight through the floor (the reference's `floor_ste`). Indices
 * `[N, depth]`, codes `[N, D]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './ops';
import type { QuantizeOptions, QuantizeResult, Quantizer } from './quantizer';

type Grad1 = (dy: tf.Tensor) => tf.Tensor[];

/** floor with an identity gradient (the reference's `floor_ste`). */
function floorSte<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad((a) => ({ value: tf.floor(a as tf.Tensor), gradFunc: ((dy: tf.Tensor) => [dy.clone()]) as Grad1 }));
  return op(x) as T;
}

/** Per-level scales `L^−q`, `[depth][D]`, in float32 as torch computes `levels.float() ** -q`. */
export function residualFsqScales(levels: readonly number[], depth: number): number[][] {
  return Array.from({ length: depth }, (_, q) => levels.map((L) => Math.fround(Math.pow(L, -q))));
}

export class ResidualFiniteScalarQuantizer implements Quantizer {
  readonly kind = 'rfsq' as const;
  readonly dim: number;
  readonly codebookSize: number;
  readonly depth: number;
  readonly levels: readonly number[];
  readonly scales: number[][];
  private readonly basis: number[];

  constructor(levels: readonly number[], depth: number, dim?: number) {
    if (levels.length === 0 || levels.some((L) => !Number.isInteger(L) || L < 2)) {
      throw new Error(`rfsq: levels must be integers ≥ 2, got [${levels.join(', ')}]`);
    }
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`rfsq: depth must be a positive integer, got ${depth}`);
    if (dim !== undefined && dim !== levels.length) {
      throw new Error(`rfsq: latent dim ${dim} must equal the number of levels (${levels.length}); residual FSQ here has no projection`);
    }
    const size = levels.reduce((a, b) => a * b, 1);
    if (size > 2 ** 31 - 1) throw new Error(`rfsq: codebook size ${size} does not fit in int32 indices`);
    this.levels = [...levels];
    this.dim = levels.length;
    this.depth = depth;
    this.codebookSize = size;
    this.scales = residualFsqScales(levels, depth);
    this.basis = [];
    let b = 1;
    for (const L of levels) {
      this.basis.push(b);
      b *= L;
    }
  }

  /** The soft clamp `tanh(z / c)·c`, `c = 1 + 1/(L − 1)`, applied once before the levels. */
  softClamp(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const c = tf.tensor1d(this.levels.map((L) => Math.fround(1 + Math.fround(1 / (L - 1)))));
      return tf.mul(tf.tanh(tf.div(z, c)), c) as tf.Tensor2D;
    });
  }

  quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult {
    void opts;
    if (z.rank !== 2 || z.shape[1] !== this.dim) {
      throw new Error(`rfsq: expected latents [N, ${this.dim}], got [${z.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const lm1 = tf.tensor1d(this.levels.map((L) => L - 1));
      const step = tf.tensor1d(this.levels.map((L) => Math.fround(2 / (L - 1))));
      const basis = tf.tensor1d(this.basis, 'int32');
      let residual = this.softClamp(z);
      let out: tf.Tensor2D | null = null;
      const indices: tf.Tensor1D[] = [];
      for (let q = 0; q < this.depth; q++) {
        const s = tf.tensor1d(this.scales[q]!);
        const x = tf.clipByValue(tf.div(residual, s), -1, 1);
        // (L − 1)(x + 1)/2 + ½ in the reference's order of operations, then floor.
        const k = floorSte(tf.add(tf.div(tf.mul(lm1, tf.add(x, 1)), 2), 0.5));
        const code = tf.mul(tf.sub(tf.mul(step, k), 1), s) as tf.Tensor2D;
        indices.push(tf.sum(tf.mul(tf.cast(stopGradient(k), 'int32'), basis), 1));
        out = out ? (tf.add(out, code) as tf.Tensor2D) : code;
        residual = tf.sub(residual, stopGradient(code));
      }
      return { quantized: out!, indices: tf.stack(indices, 1), loss: tf.scalar(0), lossParts: {} };
    });
  }

  indicesToCodes(indices: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const idx = tf.reshape(tf.cast(indices, 'int32'), [-1, this.depth]);
      const basis = tf.tensor2d(this.basis, [1, this.dim], 'int32');
      const levels = tf.tensor2d([...this.levels], [1, this.dim], 'int32');
      const step = tf.tensor1d(this.levels.map((L) => Math.fround(2 / (L - 1))));
      const cols = tf.unstack(idx, 1);
      const codes = cols.map((col, q) => {
        const k = tf.cast(tf.mod(tf.floorDiv(tf.reshape(col, [-1, 1]), basis), levels), 'float32');
        return tf.mul(tf.sub(tf.mul(step, k), 1), tf.tensor1d(this.scales[q]!));
      });
      return tf.addN(codes) as tf.Tensor2D;
    });
  }

  /** Level q's codes for ids `[n]`: the symmetric-FSQ code times `L^−q`. */
  levelCodes(ids: tf.Tensor1D, level: number): tf.Tensor2D {
    if (!Number.isInteger(level) || level < 0 || level >= this.depth) throw new Error(`rfsq: level ${level} outside 0..${this.depth - 1}`);
    return tf.tidy(() => {
      const basis = tf.tensor2d(this.basis, [1, this.dim], 'int32');
      const levels = tf.tensor2d([...this.levels], [1, this.dim], 'int32');
      const step = tf.tensor1d(this.levels.map((L) => Math.fround(2 / (L - 1))));
      const k = tf.cast(tf.mod(tf.floorDiv(tf.reshape(tf.cast(ids, 'int32'), [-1, 1]), basis), levels), 'float32');
      return tf.mul(tf.sub(tf.mul(step, k), 1), tf.tensor1d(this.scales[level]!)) as tf.Tensor2D;
    });
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  /** No persistent tensors: levels and depth live in the config (the reference's buffers are non-persistent). */
  state(): Record<string, tf.Tensor> {
    return {};
  }

  loadState(state: Record<string, tf.Tensor>): void {
    void state;
  }

  /** Implicit: `indicesToCodes` gives any code. */
  codebook(): null {
    return null;
  }

  dispose(): void {}
}
