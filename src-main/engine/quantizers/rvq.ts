/**
 * Residual VQ (SoundStream / vector-quantize-pytorch's ResidualVQ): `depth` codebooks applied
 * greedily, each to what the previous ones left over: r₀ = z, qᵢ = nearest code of rᵢ,
 * rᵢ₊₁ = rᵢ − sg(qᵢ); the output is Σ qᵢ and the indices `[N, depth]`.
 *
 * Losses add up over the levels (each level's codebook + β·commitment on its own residual).
 * The output passes the gradient straight through to z once (the reference's per-level
 * straight-through sums to depth × the gradient; one identity keeps the scale independent of
 * the depth); each codebook learns from its own level's loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ReseedEvent } from '../../contract';
import { stopGradient, straightThrough } from './ops';
import type { QuantizeOptions, QuantizeResult, Quantizer, QuantizerResumeState, ResumableQuantizer } from './quantizer';
import { VectorQuantizer, type VqOptions } from './vq';

export class ResidualVectorQuantizer implements Quantizer, ResumableQuantizer {
  readonly kind = 'rvq' as const;
  readonly dim: number;
  readonly codebookSize: number;
  readonly depth: number;
  readonly layers: VectorQuantizer[];

  constructor(opts: VqOptions & { depth: number }) {
    if (!Number.isInteger(opts.depth) || opts.depth < 1) throw new Error(`rvq: depth must be a positive integer, got ${opts.depth}`);
    if (opts.cosine) throw new Error('rvq: a cosine codebook cannot quantize residuals (their norms carry the signal)');
    const { depth, ...vq } = opts;
    this.depth = depth;
    this.dim = vq.dim;
    this.codebookSize = vq.codebookSize;
    const seed = vq.seed ?? 0;
    this.layers = Array.from({ length: depth }, (_, i) => new VectorQuantizer({ ...vq, seed: seed + 7919 * (i + 1) }));
  }

  quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult {
    return tf.tidy(() => {
      let residual: tf.Tensor2D = z;
      let sum: tf.Tensor2D | null = null;
      let loss: tf.Scalar = tf.scalar(0);
      const lossParts: Record<string, tf.Tensor> = {};
      const indices: tf.Tensor1D[] = [];
      for (const layer of this.layers) {
        const r = layer.lookup(residual, opts);
        sum = sum ? (tf.add(sum, r.codes) as tf.Tensor2D) : r.codes;
        indices.push(r.indices);
        loss = tf.add(loss, r.loss);
        for (const [k, v] of Object.entries(r.lossParts)) lossParts[k] = lossParts[k] ? tf.add(lossParts[k]!, v) : v;
        residual = tf.sub(residual, stopGradient(r.codes));
      }
      const codes = sum!;
      const quantized = opts.training ? straightThrough(z, codes) : codes;
      return { quantized, indices: tf.stack(indices, 1), loss, lossParts: lossParts as Record<string, tf.Scalar> };
    });
  }

  indicesToCodes(indices: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const idx = tf.reshape(tf.cast(indices, 'int32'), [-1, this.depth]);
      const cols = tf.unstack(idx, 1);
      return tf.addN(this.layers.map((l, i) => l.indicesToCodes(cols[i]!))) as tf.Tensor2D;
    });
  }

  setTrainingStep(step: number): void {
    for (const q of this.layers) q.setTrainingStep(step);
  }

  kmeansRuns(): number {
    return this.layers.reduce((n, q) => n + q.kmeansRuns(), 0);
  }

  /** Every level's reseeding events, labelled with its number. */
  async takeReseeds(step: number): Promise<ReseedEvent[]> {
    const all = await Promise.all(this.layers.map((q, i) => q.takeReseeds(step, i)));
    return all.flat();
  }

  trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => l.trainableVariables());
  }

  /**
   * Each level's EMA / dead-code update on its own residual. The residuals are rebuilt from the
   * indices with the codebooks as they are now (all before any is updated).
   */
  afterStep(z: tf.Tensor2D, indices: tf.Tensor): void {
    tf.tidy(() => {
      const idx = tf.reshape(tf.cast(indices, 'int32'), [-1, this.depth]);
      const cols = tf.unstack(idx, 1) as tf.Tensor1D[];
      const residuals: tf.Tensor2D[] = [z];
      for (let i = 0; i < this.depth - 1; i++) {
        residuals.push(tf.sub(residuals[i]!, this.layers[i]!.indicesToCodes(cols[i]!)));
      }
      this.layers.forEach((l, i) => l.afterStep(residuals[i]!, cols[i]!));
    });
  }

  /** `layers.{i}.embedding.weight`, `layers.{i}.cluster_size`, `layers.{i}.embed_avg`. */
  state(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    this.layers.forEach((l, i) => {
      for (const [k, v] of Object.entries(l.state())) out[`layers.${i}.${k}`] = v;
    });
    return out;
  }

  loadState(state: Record<string, tf.Tensor>): void {
    this.layers.forEach((l, i) => {
      const prefix = `layers.${i}.`;
      const sub: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(state)) if (k.startsWith(prefix)) sub[k.slice(prefix.length)] = v;
      if (!sub['embedding.weight']) throw new Error(`rvq: state lacks "${prefix}embedding.weight"`);
      l.loadState(sub);
    });
  }

  /** `[depth, K, D]`. */
  codebook(): tf.Tensor3D {
    return tf.tidy(() => tf.stack(this.layers.map((l) => l.codebook())) as tf.Tensor3D);
  }

  /** Each sub-quantizer's resume state; arrays prefixed `layers.{i}.`. */
  async resumeState(): Promise<QuantizerResumeState> {
    const json: Record<string, unknown>[] = [];
    const arrays: QuantizerResumeState['arrays'] = {};
    const states = await Promise.all(this.layers.map((q) => q.resumeState()));
    states.forEach((s, i) => {
      json.push(s.json);
      for (const [k, a] of Object.entries(s.arrays)) arrays[`layers.${i}.${k}`] = a;
    });
    return { json: { layers: json }, arrays };
  }

  restoreResumeState(s: QuantizerResumeState): void {
    const json = s.json.layers;
    if (!Array.isArray(json) || json.length !== this.layers.length) {
      throw new Error(`rvq: resume state needs "layers" with ${this.layers.length} entries`);
    }
    this.layers.forEach((q, i) => {
      const prefix = `layers.${i}.`;
      const arrays: QuantizerResumeState['arrays'] = {};
      for (const [k, a] of Object.entries(s.arrays)) if (k.startsWith(prefix)) arrays[k.slice(prefix.length)] = a;
      q.restoreResumeState({ json: json[i] as Record<string, unknown>, arrays });
    });
  }

  dispose(): void {
    this.layers.forEach((l) => l.dispose());
  }
}
