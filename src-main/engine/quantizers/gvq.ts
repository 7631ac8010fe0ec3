/**
 * Grouped (product) VQ: the latent's D channels are split into G equal groups, each quantized
 * by its own codebook of K codes of dimension D/G (vector-quantize-pytorch's VectorQuantize
 * with `heads = G, separate_codebook_per_head = True`). K^G combinations from G·K codes;
 * indices `[N, G]`. Losses are the mean over groups (the reference's MSE over all channels).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ReseedEvent } from '../../contract';
import type { QuantizeOptions, QuantizeResult, Quantizer, QuantizerResumeState, ResumableQuantizer } from './quantizer';
import { VectorQuantizer, type VqOptions } from './vq';

export class GroupedVectorQuantizer implements Quantizer, ResumableQuantizer {
  readonly kind = 'gvq' as const;
  readonly dim: number;
  readonly codebookSize: number;
  readonly depth: number;
  readonly groups: VectorQuantizer[];

  constructor(opts: VqOptions & { groups: number }) {
    const { groups, ...vq } = opts;
    if (!Number.isInteger(groups) || groups < 1) throw new Error(`gvq: groups must be a positive integer, got ${groups}`);
    if (vq.dim % groups !== 0) throw new Error(`gvq: latent dim ${vq.dim} is not divisible by ${groups} groups`);
    this.depth = groups;
    this.dim = vq.dim;
    this.codebookSize = vq.codebookSize;
    const seed = vq.seed ?? 0;
    this.groups = Array.from(
      { length: groups },
      (_, g) => new VectorQuantizer({ ...vq, dim: vq.dim / groups, seed: seed + 104729 * (g + 1) }),
    );
  }

  private split(z: tf.Tensor2D): tf.Tensor2D[] {
    if (z.rank !== 2 || z.shape[1] !== this.dim) {
      throw new Error(`gvq: expected latents [N, ${this.dim}], got [${z.shape.join(', ')}]`);
    }
    return this.depth === 1 ? [z] : (tf.split(z, this.depth, 1) as tf.Tensor2D[]);
  }

  quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult {
    return tf.tidy(() => {
      const parts = this.split(z);
      const results = this.groups.map((g, i) => g.quantize(parts[i]!, opts));
      const quantized = (this.depth === 1 ? results[0]!.quantized : tf.concat(results.map((r) => r.quantized), 1)) as tf.Tensor2D;
      const indices = tf.stack(results.map((r) => r.indices), 1);
      const loss = tf.div(tf.addN(results.map((r) => r.loss)), this.depth) as tf.Scalar;
      const lossParts: Record<string, tf.Scalar> = {};
      for (const key of Object.keys(results[0]!.lossParts)) {
        lossParts[key] = tf.div(tf.addN(results.map((r) => r.lossParts[key]!)), this.depth) as tf.Scalar;
      }
      return { quantized, indices, loss, lossParts };
    });
  }

  indicesToCodes(indices: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const idx = tf.reshape(tf.cast(indices, 'int32'), [-1, this.depth]);
      const cols = tf.unstack(idx, 1);
      return tf.concat(this.groups.map((g, i) => g.indicesToCodes(cols[i]!)), 1) as tf.Tensor2D;
    });
  }

  setTrainingStep(step: number): void {
    for (const q of this.groups) q.setTrainingStep(step);
  }

  kmeansRuns(): number {
    return this.groups.reduce((n, q) => n + q.kmeansRuns(), 0);
  }

  /** Every group's reseeding events, labelled with its number. */
  async takeReseeds(step: number): Promise<ReseedEvent[]> {
    const all = await Promise.all(this.groups.map((q, i) => q.takeReseeds(step, i)));
    return all.flat();
  }

  trainableVariables(): tf.Variable[] {
    return this.groups.flatMap((g) => g.trainableVariables());
  }

  afterStep(z: tf.Tensor2D, indices: tf.Tensor): void {
    tf.tidy(() => {
      const parts = this.split(z);
      const cols = tf.unstack(tf.reshape(tf.cast(indices, 'int32'), [-1, this.depth]), 1);
      this.groups.forEach((g, i) => g.afterStep(parts[i]!, cols[i]!));
    });
  }

  /** `groups.{g}.embedding.weight` `[K, D/G]`, `groups.{g}.cluster_size`, `groups.{g}.embed_avg`. */
  state(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    this.groups.forEach((q, g) => {
      for (const [k, v] of Object.entries(q.state())) out[`groups.${g}.${k}`] = v;
    });
    return out;
  }

  loadState(state: Record<string, tf.Tensor>): void {
    this.groups.forEach((q, g) => {
      const prefix = `groups.${g}.`;
      const sub: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(state)) if (k.startsWith(prefix)) sub[k.slice(prefix.length)] = v;
      if (!sub['embedding.weight']) throw new Error(`gvq: state lacks "${prefix}embedding.weight"`);
      q.loadState(sub);
    });
  }

  /** `[G, K, D/G]`. */
  codebook(): tf.Tensor3D {
    return tf.tidy(() => tf.stack(this.groups.map((q) => q.codebook())) as tf.Tensor3D);
  }

  /** Each sub-quantizer's resume state; arrays prefixed `groups.{i}.`. */
  async resumeState(): Promise<QuantizerResumeState> {
    const json: Record<string, unknown>[] = [];
    const arrays: QuantizerResumeState['arrays'] = {};
    const states = await Promise.all(this.groups.map((q) => q.resumeState()));
    states.forEach((s, i) => {
      json.push(s.json);
      for (const [k, a] of Object.entries(s.arrays)) arrays[`groups.${i}.${k}`] = a;
    });
    return { json: { groups: json }, arrays };
  }

  restoreResumeState(s: QuantizerResumeState): void {
    const json = s.json.groups;
    if (!Array.isArray(json) || json.length !== this.groups.length) {
      throw new Error(`gvq: resume state needs "groups" with ${this.groups.length} entries`);
    }
    this.groups.forEach((q, i) => {
      const prefix = `groups.${i}.`;
      const arrays: QuantizerResumeState['arrays'] = {};
      for (const [k, a] of Object.entries(s.arrays)) if (k.startsWith(prefix)) arrays[k.slice(prefix.length)] = a;
      q.restoreResumeState({ json: json[i] as Record<string, unknown>, arrays });
    });
  }

  dispose(): void {
    this.groups.forEach((q) => q.dispose());
  }
}
