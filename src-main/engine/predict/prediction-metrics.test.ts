import { describe, expect, it } from 'vitest';
import { copyLastBaseline } from './copy-last';
import { accuracyPerFrame, accuracyPerHorizon, disagreementMap, meanAccuracy, tokenAccuracy } from './prediction-metrics';
import type { PredictionVolume, TokenVolume } from './token-volume';

/** 4 frames of a 1×4 grid: one cell changes per frame. */
const truth: TokenVolume = {
  data: Int32Array.from([0, 1, 2, 3, /**/ 0, 1, 2, 4, /**/ 0, 1, 5, 4, /**/ 6, 1, 5, 4]),
  frames: 4,
  h: 1,
  w: 4,
  depth: 1,
  codebookSize: 8,
};

describe('copy-last baseline', () => {
  it('one-step: frame t is predicted as frame t − 1', () => {
    const p = copyLastBaseline(truth);
    expect([p.frames, p.startFrame, p.mode, p.rollouts]).toEqual([3, 1, 'one-step', 1]);
    expect(Array.from(p.data)).toEqual(Array.from(truth.data.subarray(0, 12)));
    // Exactly one of four cells changes each frame.
    expect(accuracyPerFrame(p, truth).mean).toEqual([0.75, 0.75, 0.75]);
    expect(accuracyPerHorizon(p, truth)).toEqual({ horizon: [1], perRollout: [[0.75]], mean: [0.75] });
  });

  it('rollout: repeats frame start − 1, so accuracy falls with the horizon', () => {
    const p = copyLastBaseline(truth, { start: 1, horizon: 3 });
    expect([p.frames, p.startFrame, p.mode]).toEqual([3, 1, 'rollout']);
    const h = accuracyPerHorizon(p, truth);
    expect(h.horizon).toEqual([1, 2, 3]);
    expect(h.mean).toEqual([0.75, 0.5, 0.25]);
    expect(() => copyLastBaseline(truth, { start: 5, horizon: 1 })).toThrow(/start must be in 1\.\.4/);
    expect(() => copyLastBaseline(truth, { start: 1, horizon: 0 })).toThrow(/horizon must be a positive integer/);
  });
});

describe('token accuracy per frame, per horizon and per rollout', () => {
  it('scores each rollout and their mean, skipping frames past the end of the truth', () => {
    // Two rollouts of 4 frames from frame 1: frame 4 has no truth and is not scored.
    const pred: PredictionVolume = {
      data: Int32Array.from([
        0, 1, 2, 4, /**/ 0, 1, 5, 4, /**/ 6, 1, 5, 4, /**/ 7, 7, 7, 7, // rollout 0: perfect
        0, 0, 0, 0, /**/ 0, 1, 2, 4, /**/ 0, 1, 5, 4, /**/ 7, 7, 7, 7, // rollout 1: lags
      ]),
      rollouts: 2,
      frames: 4,
      h: 1,
      w: 4,
      depth: 1,
      codebookSize: 8,
      startFrame: 1,
      mode: 'rollout',
    };
    const f = accuracyPerFrame(pred, truth);
    expect(f.frames).toEqual([1, 2, 3]);
    expect(f.perRollout).toEqual([
      [1, 1, 1],
      [0.25, 0.75, 0.75],
    ]);
    expect(f.mean).toEqual([0.625, 0.875, 0.875]);
    expect(accuracyPerHorizon(pred, truth).horizon).toEqual([1, 2, 3]);
    expect(meanAccuracy(pred, truth)).toBeCloseTo((0.625 + 0.875 + 0.875) / 3, 12);
  });

  it('residual depth: accuracy counts ids, the disagreement map counts cells', () => {
    const p = [1, 2, /**/ 3, 4, /**/ 5, 6];
    const t = [1, 2, /**/ 3, 0, /**/ 0, 0];
    expect(tokenAccuracy(p, t)).toBeCloseTo(3 / 6, 12);
    expect(Array.from(disagreementMap(p, t, 3, 2))).toEqual([0, 1, 1]);
    expect(() => disagreementMap(p, t, 2, 2)).toThrow(/expected 4 ids per frame/);
    expect(() => tokenAccuracy([1], [1, 2])).toThrow(/1 predicted ids against 2/);
  });

  it('refuses predictions of another grid or starting outside the truth', () => {
    const p = copyLastBaseline(truth);
    expect(() => accuracyPerFrame({ ...p, w: 2, h: 2 }, truth)).toThrow(/2×2×1 per frame but the truth is 1×4×1/);
    expect(() => accuracyPerFrame({ ...p, startFrame: 4 }, truth)).toThrow(/start at frame 4, outside the truth's 4 frames/);
  });
});
