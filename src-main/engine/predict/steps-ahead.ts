import { frameSize, predictedFrame, stepsAhead, targetFrame, type PredictionVolume, type TokenVolume } from './token-volume';
import { tokenAccuracy } from './prediction-metrics';

/**
 * Token accuracy against steps ahead in every prediction mode, with copy-last-frame as the
 * reference: a prediction of frame t made k steps ahead last saw the true frame t − k, so
 * copy-last's score at k is the accuracy of truth[t − k] against truth[t] over the same target
 * frames. (In a rollout every k has one target frame; one-step predictions are all k = 1;
 * sliding windows average every window's frame j at k = j + 1.)
 */
export interface StepsAheadAccuracy {
  /** Steps ahead (1 = the next frame). */
  horizon: number[];
  /** `[rollout][i]` accuracy at `horizon[i]`; sliding windows give one row, the mean over windows. */
  perRollout: number[][];
  mean: number[];
  /** Copy-last-frame's accuracy over the same target frames; null where no earlier frame exists. */
  copyLast: (number | null)[];
}

/** One scored prediction: rollout/window r, predicted frame j, target sequence frame t, k steps ahead. */
export interface ScoredCell {
  r: number;
  j: number;
  t: number;
  k: number;
}

/** Every predicted frame that has a true frame to compare with. */
export function scoredCells(pred: PredictionVolume, truthFrames: number): ScoredCell[] {
  const out: ScoredCell[] = [];
  for (let r = 0; r < pred.rollouts; r++) {
    for (let j = 0; j < pred.frames; j++) {
      const t = targetFrame(pred, r, j);
      if (t >= 0 && t < truthFrames) out.push({ r, j, t, k: stepsAhead(pred, j) });
    }
  }
  return out;
}

export function stepsAheadAccuracy(pred: PredictionVolume, truth: TokenVolume): StepsAheadAccuracy {
  if (pred.h !== truth.h || pred.w !== truth.w || pred.depth !== truth.depth) {
    throw new RangeError(`predictions are ${pred.h}×${pred.w}×${pred.depth} per frame but the truth is ${truth.h}×${truth.w}×${truth.depth}`);
  }
  const n = frameSize(truth);
  const frameOf = (t: number) => truth.data.subarray(t * n, (t + 1) * n);
  const cells = scoredCells(pred, truth.frames);
  const horizon = [...new Set(cells.map((c) => c.k))].sort((a, b) => a - b);
  const at = new Map(horizon.map((k, i) => [k, i]));
  const rows = pred.mode === 'windows' ? 1 : pred.rollouts;
  const sum = Array.from({ length: rows }, () => new Float64Array(horizon.length));
  const count = Array.from({ length: rows }, () => new Float64Array(horizon.length));
  const copySum = new Float64Array(horizon.length);
  const copyCount = new Float64Array(horizon.length);
  for (const c of cells) {
    const i = at.get(c.k)!;
    const row = pred.mode === 'windows' ? 0 : c.r;
    sum[row]![i]! += tokenAccuracy(predictedFrame(pred, c.r, c.j), frameOf(c.t));
    count[row]![i]! += 1;
    // Copy-last is deterministic: count each target once (rollout 0 / every window).
    if ((pred.mode === 'windows' || c.r === 0) && c.t - c.k >= 0) {
      copySum[i]! += tokenAccuracy(frameOf(c.t - c.k), frameOf(c.t));
      copyCount[i]! += 1;
    }
  }
  const perRollout = sum.map((s, r) => Array.from(s, (v, i) => v / count[r]![i]!));
  const mean = horizon.map((_, i) => perRollout.reduce((a, row) => a + row[i]!, 0) / perRollout.length);
  const copyLast = horizon.map((_, i) => (copyCount[i]! > 0 ? copySum[i]! / copyCount[i]! : null));
  return { horizon, perRollout, mean, copyLast };
}

/** First and last sequence frame any prediction stands for. */
export function predictionCoverage(p: Pick<PredictionVolume, 'startFrame' | 'mode' | 'frames' | 'rollouts'>): { first: number; last: number } {
  return { first: p.startFrame, last: targetFrame(p, p.rollouts - 1, p.frames - 1) };
}

/**
 * Whether sequence frame t has a prediction: rollout/one-step, of rollout `r`; sliding windows,
 * made `r + 1` steps ahead (window t − startFrame − r).
 */
export function frameHasPrediction(p: Pick<PredictionVolume, 'startFrame' | 'mode' | 'frames' | 'rollouts'>, t: number, r: number): boolean {
  if (p.mode === 'windows') {
    const s = t - p.startFrame - r;
    return r >= 0 && r < p.frames && s >= 0 && s < p.rollouts;
  }
  const j = t - p.startFrame;
  return j >= 0 && j < p.frames;
}
