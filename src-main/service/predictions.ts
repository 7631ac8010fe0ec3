import { NextFramePredictor } from '../engine/predict/next-frame-model';
import { NextFrameSampler } from '../engine/predict/next-frame-sampler';
import { resolvePredictorConfig } from '../engine/predict/predictor-config';
import { PredictorTrainer } from '../engine/predict/predictor-trainer';
import { rollout } from '../engine/predict/rollout';
import { copyLastBaseline } from '../engine/predict/copy-last';
import { predictedFrame } from '../engine/predict/token-volume';
import type { PredictionVolume, TokenVolume } from '../engine/predict/token-volume';
import { disagreementMap, tokenAccuracy } from '../engine/predict/prediction-metrics';
import { readPredictions } from '../data/predictions';
import type { PredictionAlignment, PredictionExpectation } from '../data/predictions';
import type { FrameEncoding } from '../data/frame';
import type { Tokenizer } from '../engine/tokenizer';
import type { PredictionFrame } from '../contract/index';
import { compareToInput } from './frame-compare';
import type { FrameShape } from './frame-compare';
import type { ProgressFn } from './jobs';
import type { SequenceTokens } from './sequence-tokens';
import { decodeIds } from './tokenizer-ops';

/**
 * The world-model side of the workspace: the built-in baselines that predict the next frames'
 * tokens of the open sequence (the learned next-frame predictor, and copy-last-frame), producing
 * the same PredictionVolume an imported world model's `.npy` becomes.
 */
export interface BaselineOptions {
  /** 'transformer' (the learned predictor, default) or 'copy' (repeat the last frame seen). */
  kind?: 'transformer' | 'copy';
  steps?: number;
  /** Previous frames the predictor sees. */
  context?: number;
  /** Frames to roll out (default: to the end of the sequence). */
  horizon?: number;
  rollouts?: number;
  /** Sampling temperature of the rollout (0 = argmax). */
  temperature?: number;
  topK?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
}

export const BASELINE_DEFAULTS = { steps: 150, context: 2, rollouts: 1, temperature: 0, topK: 8, batchSize: 4, learningRate: 3e-3, seed: 0 };

export function volumeOf(tokens: SequenceTokens): TokenVolume {
  return { data: tokens.indices, frames: tokens.frames, h: tokens.h, w: tokens.w, depth: tokens.depth, codebookSize: tokens.codebookSize };
}

/** Trains the predictor with teacher forcing on the sequence's tokens, then rolls it out from frame `context`. */
export async function runBaseline(tokens: SequenceTokens, opts: BaselineOptions, progress: ProgressFn): Promise<PredictionVolume> {
  const o = { ...BASELINE_DEFAULTS, ...opts };
  const truth = volumeOf(tokens);
  if (truth.frames < 2) throw new Error('the sequence has a single frame: there is no next frame to predict');
  const context = Math.min(o.context, truth.frames - 1);
  const start = context;
  const horizon = o.horizon ?? truth.frames - start;
  if (o.kind === 'copy') return copyLastBaseline(truth, { start, horizon });

  const config = resolvePredictorConfig({ codebookSize: truth.codebookSize, depth: truth.depth, h: truth.h, w: truth.w, context, seed: o.seed + 1 });
  const model = new NextFramePredictor(config);
  const trainer = new PredictorTrainer(model, o.learningRate);
  try {
    const sampler = new NextFrameSampler([truth], context, o.seed);
    progress(0, o.steps, 'training the next-frame predictor');
    for (let i = 0; i < o.steps; i++) {
      const m = await trainer.trainStep(sampler.batch(o.batchSize));
      progress(i + 1, o.steps, `loss ${m.loss.toFixed(3)}, accuracy ${(m.tokenAccuracy * 100).toFixed(1)}%`);
      await new Promise((r) => setImmediate(r));
    }
    return await rollout(model, truth, { start, horizon, rollouts: o.rollouts, temperature: o.temperature, topK: o.topK, seed: o.seed });
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/**
 * An external world model's `.npy` as a PredictionVolume. Predicted frame j stands for sequence
 * frame `offset + j` and is scored as j + 1 steps ahead (a rollout from the frame before it).
 */
export async function readPredictionVolume(file: string, expect: PredictionExpectation, align: PredictionAlignment): Promise<PredictionVolume> {
  const pr = await readPredictions(file, expect, align);
  return {
    data: pr.tokens,
    rollouts: pr.rollouts,
    frames: pr.frames,
    h: expect.h,
    w: expect.w,
    depth: expect.depth,
    codebookSize: expect.codebookSize,
    startFrame: pr.offset,
    mode: align.mode ?? 'rollout',
  };
}

/** What the predictions view shows for sequence frame `index`, rollout `rollout`: decoded, compared, scored. */
export async function predictionFrame(
  pv: PredictionVolume,
  index: number,
  rollout: number,
  truthIds: Int32Array,
  tokenizer: Tokenizer,
  input: Float32Array,
  shape: FrameShape,
  encoding: FrameEncoding,
): Promise<PredictionFrame> {
  // Sliding windows: `rollout` picks the steps ahead (j = k − 1), the window is the one that reaches `index` at k.
  const ids = (pv.mode === 'windows' ? predictedFrame(pv, index - pv.startFrame - rollout, rollout) : predictedFrame(pv, rollout, index - pv.startFrame)).slice();
  const cells = pv.h * pv.w;
  const recon = await decodeIds(tokenizer, ids, pv.h, pv.w);
  return {
    index,
    rollout,
    // A predicted token has no encoder latent, hence no quantization error: zeros.
    tokens: { index, indices: ids, h: pv.h, w: pv.w, depth: pv.depth, quantError: new Float32Array(cells) },
    decoded: compareToInput(index, recon, input, shape, encoding),
    disagreement: disagreementMap(ids, truthIds, cells, pv.depth),
    tokenAccuracy: tokenAccuracy(ids, truthIds),
  };
}
