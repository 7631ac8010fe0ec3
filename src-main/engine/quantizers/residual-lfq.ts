/**
 * Residual LFQ (vector-quantize-pytorch's ResidualLFQ): `depth` lookup-free quantizers applied
 * in turn to what the previous ones left over, level q with codes ±2^−q (the reference's
 * `codebook_scale = 2 ** -q`): r₀ = z, code_q = where(r_q > 0, 1, −1)·2^−q,
 * r_{q+1} = r_q − sg(code_q), out = Σ_q code_q; index_q = Σ_d (r_{q,d} > 0)·2^(D−1−d)
 * (dimension 0 the most significant bit, as LFQ). Indices `[N, depth]`.
 *
 * Level q is the plain LFQ on r_q / 2^−q (the signs, and so the ids, are the same) with its
 * codes scaled back; its loss (β·commitment + entropy) is therefore measured in that level's own
 * units, so every level weighs alike whatever its scale. The levels' losses add up. The output
 * passes the gradient straight through to z once (as rvq does).
 */
import * as tf from '@tensorflow/tfjs-core';
import { LookupFreeQuantizer, type BitQuantizerOptions } from './lfq';
import { stopGradient, straightThrough } from './ops';
import type { QuantizeOptions, QuantizeResult, Quantizer } from './quantizer';

export class ResidualLookupFreeQuantizer implements Quantizer {
  readonly kind = 'rlfq' as const;
  readonly dim: number;
  readonly codebookSize: number;
  readonly depth: number;
  readonly layers: LookupFreeQuantizer[];

  constructor(opts: BitQuantizerOptions & { depth: number }) {
    const { depth, ...lfq } = opts;
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`rlfq: depth must be a positive integer, got ${depth}`);
    this.layers = Array.from({ length: depth }, () => new LookupFreeQuantizer(lfq));
    this.dim = lfq.dim;
    this.depth = depth;
    this.codebookSize = 2 ** lfq.dim;
  }

  /** Level q's code magnitude 2^−q. */
  scale(q: number): number {
    return 2 ** -q;
  }

  quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult {
    if (z.rank !== 2 || z.shape[1] !== this.dim) {
      throw new Error(`rlfq: expected latents [N, ${this.dim}], got [${z.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      let residual: tf.Tensor2D = z;
      let sum: tf.Tensor2D | null = null;
      let loss: tf.Scalar = tf.scalar(0);
      const lossParts: Record<string, tf.Tensor> = {};
      const indices: tf.Tensor[] = [];
      this.layers.forEach((layer, q) => {
        const s = this.scale(q);
        const r = layer.quantize(tf.div(residual, s) as tf.Tensor2D, opts);
        const codes = tf.mul(stopGradient(r.quantized), s) as tf.Tensor2D;
        sum = sum ? (tf.add(sum, codes) as tf.Tensor2D) : codes;
        indices.push(r.indices);
        loss = tf.add(loss, r.loss);
        for (const [k, v] of Object.entries(r.lossParts)) lossParts[k] = lossParts[k] ? tf.add(lossParts[k]!, v) : v;
        residual = tf.sub(residual, codes);
      });
      const codes = sum!;
      const quantized = opts.training ? straightThrough(z, codes) : codes;
      return { quantized, indices: tf.stack(indices, 1), loss, lossParts: lossParts as Record<string, tf.Scalar> };
    });
  }

  indicesToCodes(indices: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const cols = tf.unstack(tf.reshape(tf.cast(indices, 'int32'), [-1, this.depth]), 1);
      return tf.addN(this.layers.map((l, q) => tf.mul(l.indicesToCodes(cols[q]!), this.scale(q)))) as tf.Tensor2D;
    });
  }

  /** Level q's codes for ids `[n]`: ±2^−q per bit. */
  levelCodes(ids: tf.Tensor1D, level: number): tf.Tensor2D {
    if (!Number.isInteger(level) || level < 0 || level >= this.depth) throw new Error(`rlfq: level ${level} outside 0..${this.depth - 1}`);
    return tf.tidy(() => tf.mul(this.layers[level]!.indicesToCodes(ids), this.scale(level)) as tf.Tensor2D);
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  /** No persistent tensors: each level's bit mask follows from dim (kept out of the state dict). */
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

  dispose(): void {
    this.layers.forEach((l) => l.dispose());
  }
}
