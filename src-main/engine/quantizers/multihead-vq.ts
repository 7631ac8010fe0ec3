/**
 * Multi-head VQ: M heads, each a projection of the same latent z ∈ R^D to R^d with its own
 * codebook of K codes (vector-quantize-pytorch's `VectorQuantize(heads = M,
 * separate_codebook_per_head = True)`, and FQGAN's factorised sub-codebooks). Head h quantizes
 * p_h = z·W_hᵀ; the heads' codes are composed by
 *   - `concat`: out = [q_1, …, q_M] (d = D/M), or
 *   - `sum`:    out = Σ_h q_h (d = D).
 * `projection: 'identity'` fixes W_h to the channel selector of `[h·d, (h+1)·d)` (concat; with
 * `sum`, the identity itself), which is exactly the reference's heads without projection (the
 * `multihead_vq` fixture). `projection: 'learned'` trains W_h (PyTorch's Linear layout `[d, D]`,
 * no bias), initialised to the same selector for concat and to a seeded orthogonal-ish random
 * matrix for sum (identical heads would all pick the same codes).
 *
 * Losses: the mean of the heads' VQ losses (each in its projected space), plus the optional
 * FQGAN-style disentanglement regulariser between sub-codebooks,
 *   L_dis = λ · mean_{h<h'} mean_n cos(q_{h,n}, q_{h',n})²,
 * which pushes the codes that different heads pick for the same latent towards orthogonal
 * directions, so the heads encode complementary rather than redundant features. Its gradient
 * reaches the codes (a trained codebook) and, straight through, the projections and the encoder
 * (so it acts with an EMA codebook too). The gradient
 * passes straight through each head's code to p_h, and through W_h to z. Indices `[N, M]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { l2normalize, stopGradient, straightThrough } from './ops';
import type { QuantizeOptions, QuantizeResult, Quantizer, QuantizerResumeState, ResumableQuantizer } from './quantizer';
import { VectorQuantizer, type VqOptions } from './vq';

export type MultiHeadCompose = 'concat' | 'sum';
export type MultiHeadProjection = 'identity' | 'learned';

export interface MultiHeadOptions extends VqOptions {
  heads: number;
  /** Code dimension per head; default D/M for concat, D for sum (the only values allowed). */
  headDim?: number;
  compose?: MultiHeadCompose;
  projection?: MultiHeadProjection;
  /** λ of the disentanglement regulariser; 0 (default) turns it off. */
  disentangleWeight?: number;
}

/** W_h `[d, D]` for the identity projection: rows select channels h·d … h·d + d − 1 (concat) or I (sum). */
export function selectorMatrix(dim: number, headDim: number, h: number, compose: MultiHeadCompose): Float32Array {
  const w = new Float32Array(headDim * dim);
  const first = compose === 'concat' ? h * headDim : 0;
  for (let i = 0; i < headDim; i++) w[i * dim + first + i] = 1;
  return w;
}

export class MultiHeadVectorQuantizer implements Quantizer, ResumableQuantizer {
  readonly kind = 'mhvq' as const;
  readonly dim: number;
  readonly codebookSize: number;
  readonly depth: number;
  readonly headDim: number;
  readonly compose: MultiHeadCompose;
  readonly projection: MultiHeadProjection;
  readonly disentangleWeight: number;
  readonly heads: VectorQuantizer[];
  /** W_h `[d, D]`, one per head; trainable only for the learned projection. */
  private readonly weights: tf.Variable[];

  constructor(opts: MultiHeadOptions) {
    const { heads, headDim, compose = 'concat', projection = 'identity', disentangleWeight = 0, ...vq } = opts;
    if (!Number.isInteger(heads) || heads < 1) throw new Error(`mhvq: heads must be a positive integer, got ${heads}`);
    if (compose !== 'concat' && compose !== 'sum') throw new Error(`mhvq: compose must be "concat" or "sum", got "${String(compose)}"`);
    if (projection !== 'identity' && projection !== 'learned') throw new Error(`mhvq: projection must be "identity" or "learned", got "${String(projection)}"`);
    if (!(disentangleWeight >= 0)) throw new Error(`mhvq: disentangleWeight must be ≥ 0, got ${disentangleWeight}`);
    if (compose === 'concat' && vq.dim % heads !== 0) throw new Error(`mhvq: latent dim ${vq.dim} is not divisible by ${heads} heads (concat)`);
    const d = compose === 'concat' ? vq.dim / heads : vq.dim;
    if (headDim !== undefined && headDim !== d) {
      throw new Error(`mhvq: headDim ${headDim} must be ${d} (${compose === 'concat' ? 'D / heads, so the concatenation is D wide' : 'D, so the heads can be summed'})`);
    }
    if (vq.cosine && compose === 'sum') throw new Error('mhvq: a cosine codebook cannot be summed (its codes have unit norm)');
    this.dim = vq.dim;
    this.depth = heads;
    this.headDim = d;
    this.compose = compose;
    this.projection = projection;
    this.disentangleWeight = disentangleWeight;
    this.codebookSize = vq.codebookSize;
    const seed = vq.seed ?? 0;
    this.heads = Array.from({ length: heads }, (_, h) => new VectorQuantizer({ ...vq, dim: d, seed: seed + 104729 * (h + 1) }));
    const rng = new Rng(seed + 31337);
    this.weights = Array.from({ length: heads }, (_, h) => {
      let w = selectorMatrix(vq.dim, d, h, compose);
      if (projection === 'learned' && compose === 'sum') {
        // Random Gaussian rows scaled 1/√D: near-orthogonal, norm-preserving on average.
        w = new Float32Array(d * vq.dim);
        for (let i = 0; i < w.length; i++) w[i] = rng.normal() / Math.sqrt(vq.dim);
      }
      const t = tf.tensor2d(w, [d, vq.dim]);
      const v = tf.variable(t, projection === 'learned');
      t.dispose();
      return v;
    });
  }

  /** p_h = z·W_hᵀ for every head. Call inside a tidy. */
  private project(z: tf.Tensor2D): tf.Tensor2D[] {
    if (z.rank !== 2 || z.shape[1] !== this.dim) {
      throw new Error(`mhvq: expected latents [N, ${this.dim}], got [${z.shape.join(', ')}]`);
    }
    // transposeB off: wasm's BatchMatMul is fast only without transpose flags.
    return this.weights.map((w) => tf.matMul(z, tf.transpose(w as unknown as tf.Tensor2D)));
  }

  private composeCodes(codes: tf.Tensor2D[]): tf.Tensor2D {
    if (codes.length === 1) return codes[0]!;
    return (this.compose === 'concat' ? tf.concat(codes, 1) : tf.addN(codes)) as tf.Tensor2D;
  }

  quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult {
    return tf.tidy(() => {
      const parts = this.project(z);
      const results = parts.map((p, h) => this.heads[h]!.lookup(p, opts));
      const outs = results.map((r, h) => (opts.training ? straightThrough(parts[h]!, r.codes) : r.codes));
      const quantized = this.composeCodes(outs);
      const indices = tf.stack(results.map((r) => r.indices), 1);
      let loss = tf.div(tf.addN(results.map((r) => r.loss)), this.depth) as tf.Scalar;
      const lossParts: Record<string, tf.Scalar> = {};
      for (const key of Object.keys(results[0]!.lossParts)) {
        lossParts[key] = tf.div(tf.addN(results.map((r) => r.lossParts[key]!)), this.depth) as tf.Scalar;
      }
      if (this.disentangleWeight > 0 && this.depth > 1) {
        // Value: the codes; gradient: to the codes (a trained codebook) and, straight through,
        // to p_h (the projection and the encoder), so the term acts with an EMA codebook too.
        const dis = this.disentanglement(results.map((r, h) => tf.add(r.codes, tf.sub(parts[h]!, stopGradient(parts[h]!))) as tf.Tensor2D));
        lossParts.disentangle = dis;
        loss = tf.add(loss, tf.mul(dis, this.disentangleWeight)) as tf.Scalar;
      }
      return { quantized, indices, loss, lossParts };
    });
  }

  /** mean over head pairs h < h' and rows n of cos(q_h, q_h')² (see the header). */
  disentanglement(codes: tf.Tensor2D[]): tf.Scalar {
    return tf.tidy(() => {
      const unit = codes.map((c) => l2normalize(c));
      const terms: tf.Scalar[] = [];
      for (let a = 0; a < unit.length; a++) {
        for (let b = a + 1; b < unit.length; b++) terms.push(tf.mean(tf.square(tf.sum(tf.mul(unit[a]!, unit[b]!), 1))));
      }
      return tf.div(tf.addN(terms), terms.length) as tf.Scalar;
    });
  }

  indicesToCodes(indices: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const cols = tf.unstack(tf.reshape(tf.cast(indices, 'int32'), [-1, this.depth]), 1);
      return this.composeCodes(this.heads.map((q, h) => q.indicesToCodes(cols[h]!)));
    });
  }

  trainableVariables(): tf.Variable[] {
    return [...(this.projection === 'learned' ? this.weights : []), ...this.heads.flatMap((q) => q.trainableVariables())];
  }

  kmeansRuns(): number {
    return this.heads.reduce((n, q) => n + q.kmeansRuns(), 0);
  }

  afterStep(z: tf.Tensor2D, indices: tf.Tensor): void {
    tf.tidy(() => {
      const parts = this.project(z);
      const cols = tf.unstack(tf.reshape(tf.cast(indices, 'int32'), [-1, this.depth]), 1);
      this.heads.forEach((q, h) => q.afterStep(parts[h]!, cols[h]!));
    });
  }

  /** `heads.{h}.embedding.weight` `[K, d]`, `heads.{h}.cluster_size`, `heads.{h}.embed_avg`, `heads.{h}.project_in.weight` `[d, D]`. */
  state(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    this.heads.forEach((q, h) => {
      for (const [k, v] of Object.entries(q.state())) out[`heads.${h}.${k}`] = v;
      out[`heads.${h}.project_in.weight`] = this.weights[h]!;
    });
    return out;
  }

  loadState(state: Record<string, tf.Tensor>): void {
    this.heads.forEach((q, h) => {
      const prefix = `heads.${h}.`;
      const sub: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(state)) if (k.startsWith(prefix) && !k.startsWith(`${prefix}project_in.`)) sub[k.slice(prefix.length)] = v;
      if (!sub['embedding.weight']) throw new Error(`mhvq: state lacks "${prefix}embedding.weight"`);
      q.loadState(sub);
      const w = state[`${prefix}project_in.weight`];
      if (w) {
        if (w.rank !== 2 || w.shape[0] !== this.headDim || w.shape[1] !== this.dim) {
          throw new Error(`mhvq: state "${prefix}project_in.weight" has shape [${w.shape.join(', ')}], expected [${this.headDim}, ${this.dim}]`);
        }
        this.weights[h]!.assign(w as tf.Tensor2D);
      }
    });
  }

  /** `[M, K, d]`. */
  codebook(): tf.Tensor3D {
    return tf.tidy(() => tf.stack(this.heads.map((q) => q.codebook())) as tf.Tensor3D);
  }

  async resumeState(): Promise<QuantizerResumeState> {
    const json: Record<string, unknown>[] = [];
    const arrays: QuantizerResumeState['arrays'] = {};
    const states = await Promise.all(this.heads.map((q) => q.resumeState()));
    states.forEach((s, i) => {
      json.push(s.json);
      for (const [k, a] of Object.entries(s.arrays)) arrays[`heads.${i}.${k}`] = a;
    });
    return { json: { heads: json }, arrays };
  }

  restoreResumeState(s: QuantizerResumeState): void {
    const json = s.json.heads;
    if (!Array.isArray(json) || json.length !== this.heads.length) throw new Error(`mhvq: resume state needs "heads" with ${this.heads.length} entries`);
    this.heads.forEach((q, i) => {
      const prefix = `heads.${i}.`;
      const arrays: QuantizerResumeState['arrays'] = {};
      for (const [k, a] of Object.entries(s.arrays)) if (k.startsWith(prefix)) arrays[k.slice(prefix.length)] = a;
      q.restoreResumeState({ json: json[i] as Record<string, unknown>, arrays });
    });
  }

  dispose(): void {
    this.heads.forEach((q) => q.dispose());
    this.weights.forEach((w) => w.dispose());
  }
}
