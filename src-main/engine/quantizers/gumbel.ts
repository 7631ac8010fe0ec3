/**
 * Gumbel-softmax quantization, as DALL-E's dVAE and taming-transformers' GumbelQuantize train
 * it: a 1×1 projection of the latent to K logits per cell, Gumbel noise g = −log(−log u), a
 * softmax at temperature τ, y = softmax((logits + g)/τ), and z_q = Σ_k y_k·e_k over a codebook
 * embedding. With `hard` (taming's `straight_through`) the forward pass uses the one-hot of
 * argmax y and the gradient of y (PyTorch's `F.gumbel_softmax(hard=True)`). The loss is taming's
 * KL to the uniform prior, klWeight · mean over cells of Σ_k q_k·log(q_k·K + 1e-10) with
 * q = softmax(logits). At inference the sample is hardened: id = argmax(logits), no noise.
 *
 * Names follow taming's module (`proj.weight` [K, D, 1, 1], `proj.bias` [K]) but for the
 * codebook, `embedding.weight` [K, D] like every other TokenScope VQ (taming: `embed.weight`), so
 * that the checkpoint's shape checks, `codebook.npy` and the views treat it as one.
 *
 * The noise comes from the quantizer's seeded Rng (one seed per step for tfjs' uniform
 * generator, which runs in JS on every backend), so a run repeats exactly and resumes where it
 * stopped; tests pass their own noise to `forwardWithNoise`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { checkTemperature, type TemperatureQuantizer } from './assignment';
import { gatherRows, oneHotFloat, stopGradient, straightThrough } from './ops';
import type { NearestCodes, QuantizeOptions, QuantizeResult, Quantizer, QuantizerResumeState, ResumableQuantizer } from './quantizer';

export interface GumbelOptions {
  dim: number;
  codebookSize: number;
  /** Straight-through hard one-hot sample in training. Default true (taming's default). */
  hard?: boolean;
  /** Weight of the KL to the uniform prior. Default DEFAULT_KL_WEIGHT (0.1; taming's 5e-4 collapses here, see the design note). */
  klWeight?: number;
  /** Initial τ (the trainer sets it each step). Default 1. */
  temperature?: number;
  seed?: number;
}

/**
 * Default KL weight. taming's 5e-4 is sized for its L1 + perceptual loss on images; against
 * TokenScope's reconstruction losses (cross-entropy ≈ 1–3 on class frames) it let a 64-code
 * tokenizer collapse to one code within 50 steps, where 0.1 kept 66% of the codes in use
 * (docs/design-notes/soft-gumbel.md).
 */
export const DEFAULT_KL_WEIGHT = 0.1;

/** Smallest uniform draw, so that −log(−log u) stays finite. */
const U_MIN = 1e-10;
/** The largest float32 below 1. */
const U_MAX = 1 - 2 ** -24;

/**
 * Gumbel(0, 1) noise −log(−log u) of uniform draws `u`. float32 rounds draws just under 1 up to
 * exactly 1, where the noise is +∞ and the softmax NaN (a run diverged at step 20): u is kept
 * strictly inside (0, 1) first.
 */
export function gumbelNoise(u: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.neg(tf.log(tf.neg(tf.log(tf.clipByValue(u, U_MIN, U_MAX))))) as tf.Tensor2D);
}

export class GumbelQuantizer implements Quantizer, ResumableQuantizer, TemperatureQuantizer {
  readonly kind = 'vq' as const;
  readonly assignment = 'gumbel' as const;
  readonly dim: number;
  readonly codebookSize: number;
  readonly depth = 1;
  readonly hard: boolean;
  readonly klWeight: number;
  private tau: number;
  private readonly rng: Rng;
  /** The 1×1 projection to logits, in PyTorch's Conv2d layout [K, D, 1, 1]. */
  private readonly projWeight: tf.Variable;
  private readonly projBias: tf.Variable;
  private readonly embedding: tf.Variable;

  constructor(o: GumbelOptions) {
    if (!Number.isInteger(o.dim) || o.dim < 1) throw new Error(`gumbel: dim must be a positive integer, got ${o.dim}`);
    if (!Number.isInteger(o.codebookSize) || o.codebookSize < 2) throw new Error(`gumbel: codebookSize must be an integer ≥ 2, got ${o.codebookSize}`);
    this.dim = o.dim;
    this.codebookSize = o.codebookSize;
    this.hard = o.hard ?? true;
    this.klWeight = o.klWeight ?? DEFAULT_KL_WEIGHT;
    if (!(this.klWeight >= 0 && Number.isFinite(this.klWeight))) throw new Error(`gumbel: klWeight must be ≥ 0, got ${o.klWeight}`);
    this.tau = o.temperature ?? 1;
    checkTemperature(this.tau, 'gumbel');
    this.rng = new Rng(o.seed ?? 0);
    const K = o.codebookSize;
    const D = o.dim;
    // PyTorch's defaults: Conv2d weight and bias U(±1/√fan_in), nn.Embedding N(0, 1).
    const bound = 1 / Math.sqrt(D);
    const w = Float32Array.from({ length: K * D }, () => this.rng.range(-bound, bound));
    const b = Float32Array.from({ length: K }, () => this.rng.range(-bound, bound));
    const e = Float32Array.from({ length: K * D }, () => this.rng.normal());
    this.projWeight = tf.variable(tf.tensor4d(w, [K, D, 1, 1]), true);
    this.projBias = tf.variable(tf.tensor1d(b), true);
    this.embedding = tf.variable(tf.tensor2d(e, [K, D]), true);
  }

  get temperature(): number {
    return this.tau;
  }

  setTemperature(t: number): void {
    checkTemperature(t, 'gumbel');
    this.tau = t;
  }

  /** Logits `[N, K]` of latents `[N, D]`: the 1×1 convolution as a matrix product. */
  logits(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const w = tf.reshape(this.projWeight, [this.codebookSize, this.dim]);
      // Transposed explicitly: wasm's matMul is slow with transpose flags.
      return tf.add(tf.matMul(z, tf.transpose(w)), this.projBias) as tf.Tensor2D;
    });
  }

  quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult {
    this.checkInput(z);
    if (!opts.training) return this.forwardWithNoise(z, null);
    const [n, k] = [z.shape[0], this.codebookSize];
    return tf.tidy(() => {
      const u = tf.randomUniform([n, k], U_MIN, 1, 'float32', this.rng.int(2 ** 31 - 1)) as tf.Tensor2D;
      return { ...this.forwardWithNoise(z, gumbelNoise(u)) };
    });
  }

  /**
   * The forward pass with given Gumbel noise `[N, K]` (training), or hardened without noise
   * (`noise` null: inference). Call from quantize, or from tests that fix the noise.
   */
  forwardWithNoise(z: tf.Tensor2D, noise: tf.Tensor2D | null): QuantizeResult {
    this.checkInput(z);
    const K = this.codebookSize;
    return tf.tidy(() => {
      const logits = this.logits(z);
      const qy = tf.softmax(logits);
      const kl = tf.mean(tf.sum(tf.mul(qy, tf.log(tf.add(tf.mul(qy, K), 1e-10))), 1)) as tf.Scalar;
      const loss = tf.mul(kl, this.klWeight) as tf.Scalar;
      const lossParts = { kl };
      if (!noise) {
        const indices = tf.cast(tf.argMax(logits, 1), 'int32') as tf.Tensor1D;
        return { quantized: gatherRows(this.embedding as unknown as tf.Tensor2D, indices), indices, loss, lossParts };
      }
      if (noise.shape[0] !== z.shape[0] || noise.shape[1] !== K) {
        throw new Error(`gumbel: noise must be [${z.shape[0]}, ${K}], got [${noise.shape.join(', ')}]`);
      }
      const soft = tf.softmax(tf.div(tf.add(logits, noise), this.tau)) as tf.Tensor2D;
      const sample = tf.cast(tf.argMax(soft, 1), 'int32') as tf.Tensor1D;
      const y = this.hard ? straightThrough(soft, oneHotFloat(stopGradient(sample), K)) : soft;
      const quantized = tf.matMul(y, this.embedding) as tf.Tensor2D;
      // The ids reported are the noise-free argmax, the tokens inference gives (taming reports the
      // sample's): argmax(logits + g) is a draw from softmax(logits) whatever τ, so near-uniform
      // logits would show every code "used" while the tokenizer emits only a few.
      const indices = tf.cast(tf.argMax(logits, 1), 'int32') as tf.Tensor1D;
      return { quantized, indices, loss, lossParts };
    });
  }

  /** Inference: argmax of the logits, error ‖z − e_id‖² as quantize(training: false) gives it. */
  nearestCodes(z: tf.Tensor2D): NearestCodes {
    this.checkInput(z);
    const indices = tf.cast(tf.argMax(this.logits(z), 1), 'int32') as tf.Tensor1D;
    const codes = tf.gather(this.embedding, indices) as tf.Tensor2D;
    return { indices, error: tf.sum(tf.squaredDifference(z, codes), 1) as tf.Tensor1D };
  }

  indicesToCodes(indices: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => tf.gather(this.embedding, tf.reshape(tf.cast(indices, 'int32'), [-1])) as tf.Tensor2D);
  }

  trainableVariables(): tf.Variable[] {
    return [this.projWeight, this.projBias, this.embedding];
  }

  /** Taming's names and layouts (`proj.weight` [K, D, 1, 1]); the live variables. */
  state(): Record<string, tf.Tensor> {
    return { 'proj.weight': this.projWeight, 'proj.bias': this.projBias, 'embedding.weight': this.embedding };
  }

  /** Copies a state in (`proj.weight` as [K, D, 1, 1] or [K, D]); shapes checked first. */
  loadState(state: Record<string, tf.Tensor>): void {
    const K = this.codebookSize;
    const D = this.dim;
    const want: Record<string, number[][]> = { 'proj.weight': [[K, D, 1, 1], [K, D]], 'proj.bias': [[K]], 'embedding.weight': [[K, D]] };
    for (const [name, shapes] of Object.entries(want)) {
      const t = state[name];
      if (!t) throw new Error(`gumbel: state lacks "${name}" [${shapes[0]!.join(', ')}]`);
      if (!shapes.some((s) => s.length === t.rank && s.every((d, i) => d === t.shape[i]))) {
        throw new Error(`gumbel: state "${name}" has shape [${t.shape.join(', ')}], expected [${shapes[0]!.join(', ')}]`);
      }
    }
    const extra = Object.keys(state).filter((k) => !(k in want));
    if (extra.length) throw new Error(`gumbel: unexpected state ${extra.slice(0, 5).join(', ')}`);
    tf.tidy(() => {
      this.projWeight.assign(tf.reshape(tf.cast(state['proj.weight']!, 'float32'), [K, D, 1, 1]));
      this.projBias.assign(tf.cast(state['proj.bias']!, 'float32'));
      this.embedding.assign(tf.cast(state['embedding.weight']!, 'float32'));
    });
  }

  codebook(): tf.Tensor2D {
    return this.embedding.clone() as tf.Tensor2D;
  }

  async resumeState(): Promise<QuantizerResumeState> {
    return { json: { rng: this.rng.getState() }, arrays: {} };
  }

  restoreResumeState(s: QuantizerResumeState): void {
    if (typeof s.json.rng !== 'number') throw new Error('gumbel: resume state needs a numeric "rng"');
    this.rng.setState(s.json.rng);
  }

  private checkInput(z: tf.Tensor): void {
    if (z.rank !== 2 || z.shape[1] !== this.dim) throw new Error(`gumbel: expected latents [N, ${this.dim}], got [${z.shape.join(', ')}]`);
  }

  dispose(): void {
    this.projWeight.dispose();
    this.projBias.dispose();
    this.embedding.dispose();
  }
}
