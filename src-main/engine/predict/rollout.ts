import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { contextBefore } from './context-window';
import type { NextFramePredictor } from './next-frame-model';
import { sampleIds, type SamplingOptions } from './sampling';
import { checkTokenVolume, frameSize, type PredictionVolume, type TokenVolume } from './token-volume';

export interface RolloutOptions extends Partial<SamplingOptions> {
  /** First predicted frame: the model sees the truth up to `start − 1`. */
  start: number;
  /** Frames to predict, each fed back as context for the next. */
  horizon: number;
  /** Independent samples (default 1; with temperature 0 they are all the argmax). */
  rollouts?: number;
  seed?: number;
}

/**
 * Autoregressive rollout over frames: predicts frame `start`, appends it to the context,
 * predicts `start + 1`, and so on for `horizon` frames, all rollouts in one batch. Predictions
 * may run past the end of `truth` (there is just nothing to score them against).
 */
export async function rollout(model: NextFramePredictor, truth: TokenVolume, opts: RolloutOptions): Promise<PredictionVolume> {
  checkFits(model, truth);
  const { start, horizon } = opts;
  const rollouts = opts.rollouts ?? 1;
  if (!Number.isInteger(start) || start < 1 || start > truth.frames) {
    throw new RangeError(`rollout: start must be in 1..${truth.frames} (the first predicted frame; the model sees the frames before it), got ${start}`);
  }
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`rollout: horizon must be a positive integer, got ${horizon}`);
  if (!Number.isInteger(rollouts) || rollouts < 1) throw new RangeError(`rollout: rollouts must be a positive integer, got ${rollouts}`);
  const { h, w, depth, context: k, codebookSize: K } = model.config;
  const n = frameSize(model.config);
  const sampling: SamplingOptions = { temperature: opts.temperature ?? 1, topK: opts.topK };
  const rng = new Rng(opts.seed ?? 0);
  // One working sequence per rollout: the true frames before `start`, then its own predictions.
  const work: TokenVolume[] = [];
  for (let r = 0; r < rollouts; r++) {
    const data = new Int32Array((start + horizon) * n);
    data.set(truth.data.subarray(0, start * n));
    work.push({ ...truth, data, frames: start + horizon });
  }
  const out = new Int32Array(rollouts * horizon * n);
  const ctx = new Int32Array(rollouts * k * n);
  for (let j = 0; j < horizon; j++) {
    const t = start + j;
    for (let r = 0; r < rollouts; r++) contextBefore(work[r]!, t, k, ctx.subarray(r * k * n, (r + 1) * k * n));
    const logits = tf.tidy(() => tf.reshape(model.logits(tf.tensor(ctx, [rollouts, k, h, w, depth], 'int32')), [rollouts * n, K]) as tf.Tensor2D);
    let ids: Int32Array;
    try {
      ids = await sampleIds(logits, sampling, rng);
    } finally {
      logits.dispose();
    }
    for (let r = 0; r < rollouts; r++) {
      const frame = ids.subarray(r * n, (r + 1) * n);
      work[r]!.data.set(frame, t * n);
      out.set(frame, (r * horizon + j) * n);
    }
  }
  return { data: out, rollouts, frames: horizon, h, w, depth, codebookSize: K, startFrame: start, mode: 'rollout' };
}

/**
 * Teacher-forced one-step prediction of every frame 1 … T−1 from the true frames before it,
 * `batchSize` frames per forward pass.
 */
export async function predictNextFrames(
  model: NextFramePredictor,
  truth: TokenVolume,
  opts: Partial<SamplingOptions> & { seed?: number; batchSize?: number } = {},
): Promise<PredictionVolume> {
  checkFits(model, truth);
  if (truth.frames < 2) throw new RangeError('predictNextFrames: a one-step prediction needs at least 2 frames');
  const { h, w, depth, context: k, codebookSize: K } = model.config;
  const n = frameSize(model.config);
  const sampling: SamplingOptions = { temperature: opts.temperature ?? 0, topK: opts.topK };
  const rng = new Rng(opts.seed ?? 0);
  const batchSize = opts.batchSize ?? 8;
  const frames = truth.frames - 1;
  const out = new Int32Array(frames * n);
  for (let first = 1; first < truth.frames; first += batchSize) {
    const size = Math.min(batchSize, truth.frames - first);
    const ctx = new Int32Array(size * k * n);
    for (let b = 0; b < size; b++) contextBefore(truth, first + b, k, ctx.subarray(b * k * n, (b + 1) * k * n));
    const logits = tf.tidy(() => tf.reshape(model.logits(tf.tensor(ctx, [size, k, h, w, depth], 'int32')), [size * n, K]) as tf.Tensor2D);
    try {
      out.set(await sampleIds(logits, sampling, rng), (first - 1) * n);
    } finally {
      logits.dispose();
    }
  }
  return { data: out, rollouts: 1, frames, h, w, depth, codebookSize: K, startFrame: 1, mode: 'one-step' };
}

function checkFits(model: NextFramePredictor, truth: TokenVolume): void {
  checkTokenVolume(truth, 'predictor input');
  const c = model.config;
  if (truth.h !== c.h || truth.w !== c.w || truth.depth !== c.depth) {
    throw new RangeError(`predictor: tokens are ${truth.h}×${truth.w}×${truth.depth} but the model was built for ${c.h}×${c.w}×${c.depth}`);
  }
  if (truth.codebookSize !== c.codebookSize) {
    throw new RangeError(`predictor: tokens come from a codebook of ${truth.codebookSize} but the model predicts ${c.codebookSize} ids`);
  }
}
