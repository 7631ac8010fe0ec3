import type * as tf from '@tensorflow/tfjs-core';
import type { ReseedEvent } from '../../contract';

/**
 * The one interface every quantizer implements (vector-quantize-pytorch's layout):
 * latents arrive channel-last and flattened to `[N, D]`; `indices` is int32 `[N]`, or
 * `[N, depth]` for residual / grouped quantizers.
 */
export interface QuantizerStats {
  /** Codes used in this batch (not the sliding window: that lives in `metrics/`). */
  usedCodes: number;
  /** Mean squared distance between the latent and its code, before the straight-through. */
  quantError: number;
}

export interface QuantizeResult {
  /** Same shape as the input; gradients pass straight through to the input in training. */
  quantized: tf.Tensor2D;
  indices: tf.Tensor;
  /** The quantizer's own loss (codebook + β·commitment, entropy terms…), a scalar. */
  loss: tf.Scalar;
  /** Per-part losses for the curves, each a scalar tensor. */
  lossParts: Record<string, tf.Scalar>;
}

export interface QuantizeOptions {
  training: boolean;
}

/** What an inference-only nearest-code search returns, one entry per latent row. */
export interface NearestCodes {
  /** int32 `[N]`. */
  indices: tf.Tensor1D;
  /** Squared distance between each latent and its code, `[N]` (what `quantize` would give). */
  error: tf.Tensor1D;
}

export interface Quantizer {
  readonly kind: QuantizerKind;
  /** Latent dimension D the quantizer expects. */
  readonly dim: number;
  /** Number of distinct ids per index position (per level for residual, per group for grouped). */
  readonly codebookSize: number;
  /** Index positions per latent vector: 1, or the residual depth, or the number of groups. */
  readonly depth: number;
  quantize(z: tf.Tensor2D, opts: QuantizeOptions): QuantizeResult;
  /**
   * Optional inference fast path for single-index quantizers: the nearest code and its squared
   * distance, without gathering codes or building losses (whole-sequence encoding spends most
   * of its time here). Null where the quantizer's current mode has no shortcut; callers then
   * use `quantize(z, { training: false })`. Call inside a tf.tidy.
   */
  nearestCodes?(z: tf.Tensor2D): NearestCodes | null;
  /**
   * Optional, for residual quantizers with implicit codebooks (rfsq, rlfq): the codes `[n, D]`
   * that ids `[n]` stand for at one level, scaled as that level adds them (the codebook views
   * show a level's codes with it). Call inside a tf.tidy.
   */
  levelCodes?(ids: tf.Tensor1D, level: number): tf.Tensor2D;
  /** Codes for int32 indices `[N]` or `[N, depth]`, as `[N, D]`. */
  indicesToCodes(indices: tf.Tensor): tf.Tensor2D;
  /** Variables the optimiser trains (an EMA codebook is not among them). */
  trainableVariables(): tf.Variable[];
  /**
   * State updated outside the optimiser after a step (EMA counts and codebook, dead-code
   * reseeding), from the step's latents and indices; absent where there is none (fsq/lfq/bsq).
   */
  afterStep?(z: tf.Tensor2D, indices: tf.Tensor): void;
  /** Training steps done so far, before each step (schedules such as the commitment weight's). */
  setTrainingStep?(step: number): void;
  /** The dead codes the last afterStep reseeded, as events at `step` (read back asynchronously). */
  takeReseeds?(step: number): Promise<ReseedEvent[]>;
  /**
   * How many times a codebook was fitted to a training batch (k-means init), summed over levels.
   * The trainer compares it around a step: that batch's assignment is the clustering of the batch
   * itself (every cluster nonempty), not the tokenizer's usage, so the health window drops it.
   */
  kmeansRuns?(): number;
  /**
   * All persistent state under PyTorch's names: vq `embedding.weight` [K, D], `cluster_size` [K],
   * `embed_avg` [K, D]; rvq `layers.{i}.…`, gvq `groups.{g}.…` of the same; lfq/bsq `mask` [D]
   * int32 (the reference's persistent bit-mask buffer); fsq none. The tensors are the live
   * variables, owned by the quantizer: read or copy them, never dispose them.
   */
  state(): Record<string, tf.Tensor>;
  /** Copies values in (shapes checked, one clear error naming the entry); the caller keeps its tensors. */
  loadState(state: Record<string, tf.Tensor>): void;
  /**
   * A new tensor the caller disposes: the explicit codebook `[K, D]` (per level/group:
   * `[depth, K, D]`), or null for implicit codebooks (fsq/lfq/bsq: use `indicesToCodes`).
   */
  codebook(): tf.Tensor | null;
  dispose(): void;
}

export type QuantizerKind = 'vq' | 'fsq' | 'lfq' | 'bsq' | 'rvq' | 'gvq' | 'rfsq' | 'rlfq' | 'mhvq';

/**
 * State outside `state()` that an exact resume needs (a reseeding Rng's position, the pool of
 * recent latents, whether k-means has run). Optional: quantizers without such state omit it.
 */
export interface QuantizerResumeState {
  json: Record<string, unknown>;
  arrays: Record<string, { data: Float32Array | Int32Array; shape: number[] }>;
}

export interface ResumableQuantizer {
  /** Async: reading tensors is asynchronous on WebGPU. */
  resumeState(): Promise<QuantizerResumeState>;
  restoreResumeState(s: QuantizerResumeState): void;
}
