import { describe, expect, it } from 'vitest';
import { frameHasPrediction, predictionCoverage, scoredCells, stepsAheadAccuracy } from './steps-ahead';
import type { PredictionVolume, TokenVolume } from './token-volume';

/** A 1×2 token grid per frame; frame t holds [t, t % 2] so frames differ in one or both cells. */
function truth(frames: number): TokenVolume {
  const data = new Int32Array(frames * 2);
  for (let t = 0; t < frames; t++) data.set([t, t % 2], t * 2);
  return { data, frames, h: 1, w: 2, depth: 1, codebookSize: 16 };
}

function volume(mode: PredictionVolume['mode'], rollouts: number, frames: number, startFrame: number, fill: (r: number, j: number) => [number, number]): PredictionVolume {
  const data = new Int32Array(rollouts * frames * 2);
  for (let r = 0; r < rollouts; r++) for (let j = 0; j < frames; j++) data.set(fill(r, j), (r * frames + j) * 2);
  return { data, rollouts, frames, h: 1, w: 2, depth: 1, codebookSize: 16, startFrame, mode };
}

describe('steps-ahead accuracy in every prediction mode', () => {
  const T = truth(6);
  const copy = (t: number): [number, number] => [t, t % 2];

  it('rollout: frame j is j + 1 steps ahead; copy-last repeats the frame before the start', () => {
    // A perfect rollout from frame 2.
    const a = stepsAheadAccuracy(volume('rollout', 1, 4, 2, (_, j) => copy(2 + j)), T);
    expect(a.horizon).toEqual([1, 2, 3, 4]);
    expect(a.mean).toEqual([1, 1, 1, 1]);
    // Copy-last shows frame 1 = [1, 1] against frames 2..5 = [2,0], [3,1], [4,0], [5,1].
    expect(a.copyLast).toEqual([0, 0.5, 0, 0.5]);
  });

  it('one-step: every frame is 1 step ahead; copy-last compares each frame with the one before', () => {
    const a = stepsAheadAccuracy(volume('one-step', 1, 5, 1, (_, j) => copy(1 + j)), T);
    expect(a.horizon).toEqual([1]);
    expect(a.mean).toEqual([1]);
    // Consecutive frames always differ in both cells.
    expect(a.copyLast).toEqual([0]);
  });

  it('windows: window s starts at offset + s, its frame j is j + 1 steps ahead, averaged over windows', () => {
    // 3 windows of 2 frames from frames 1, 2, 3; window 1 is wrong in its second frame's first cell.
    const v = volume('windows', 3, 2, 1, (s, j) => (s === 1 && j === 1 ? [15, (1 + s + j) % 2] : copy(1 + s + j)));
    const a = stepsAheadAccuracy(v, T);
    expect(a.horizon).toEqual([1, 2]);
    expect(a.perRollout).toHaveLength(1);
    expect(a.mean[0]).toBe(1);
    expect(a.mean[1]).toBeCloseTo((1 + 0.5 + 1) / 3, 12);
    // k = 2 against frames t − 2: (0→2) 0.5, (1→3) 0.5, (2→4) 0.5.
    expect(a.copyLast).toEqual([0, 0.5]);
    expect(scoredCells(v, 6).map((c) => c.t)).toEqual([1, 2, 2, 3, 3, 4]);
  });

  it('copy-last has no reference where no frame was seen (a rollout from frame 0)', () => {
    expect(stepsAheadAccuracy(volume('rollout', 1, 2, 0, (_, j) => copy(j)), T).copyLast).toEqual([null, null]);
  });

  it('coverage and which frames have a prediction', () => {
    const r = volume('rollout', 2, 3, 2, () => [0, 0]);
    expect(predictionCoverage(r)).toEqual({ first: 2, last: 4 });
    expect([1, 2, 4, 5].map((t) => frameHasPrediction(r, t, 1))).toEqual([false, true, true, false]);
    const w = volume('windows', 3, 2, 1, () => [0, 0]);
    expect(predictionCoverage(w)).toEqual({ first: 1, last: 4 });
    // Frame 1 is only predicted 1 step ahead (window 0); frame 4 only 2 steps ahead (window 2).
    expect([frameHasPrediction(w, 1, 0), frameHasPrediction(w, 1, 1), frameHasPrediction(w, 4, 0), frameHasPrediction(w, 4, 1)]).toEqual([true, false, false, true]);
  });
});
