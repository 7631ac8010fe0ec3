import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend';
import { Rng } from '../../util/rng';
import { NextFramePredictor } from './next-frame-model';
import { resolvePredictorConfig } from './predictor-config';
import { PredictorTrainer } from './predictor-trainer';
import { NextFrameSampler } from './next-frame-sampler';
import { predictNextFrames, rollout } from './rollout';
import type { TokenVolume } from './token-volume';

beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
});

/** A small random token volume (ids uniform in [0, K)). */
function randomVolume(frames: number, h: number, w: number, depth: number, K: number, seed: number): TokenVolume {
  const rng = new Rng(seed);
  const data = Int32Array.from({ length: frames * h * w * depth }, () => rng.int(K));
  return { data, frames, h, w, depth, codebookSize: K };
}

const small = (over: Partial<Parameters<typeof resolvePredictorConfig>[0]> = {}) =>
  resolvePredictorConfig({ codebookSize: 12, depth: 1, h: 4, w: 5, dim: 16, heads: 2, layers: 1, ...over });

describe('NextFramePredictor', () => {
  it('returns normalised log-probabilities [B, h, w, depth, K] and, untrained, predicts a copy of the last frame', async () => {
    const model = new NextFramePredictor(small({ depth: 2 }));
    const vol = randomVolume(3, 4, 5, 2, 12, 7);
    const out = tf.tidy(() => {
      const ctx = tf.tensor(vol.data.slice(0, 2 * 40), [1, 2, 4, 5, 2], 'int32');
      const logp = model.logits(ctx);
      return [logp.shape, tf.logSumExp(logp, -1), tf.argMax(logp, -1)] as const;
    });
    expect(out[0]).toEqual([1, 4, 5, 2, 12]);
    const lse = (await out[1].data()) as Float32Array;
    for (const v of lse) expect(Math.abs(v)).toBeLessThan(1e-4);
    // The copy gate starts open: argmax = the ids of the last context frame (frame 1).
    expect(Array.from((await out[2].data()) as Int32Array)).toEqual(Array.from(vol.data.slice(40, 80)));
    tf.dispose([out[1], out[2]]);
    model.dispose();
  });

  it('rejects inputs of the wrong shape or dtype, naming what it expected', () => {
    const model = new NextFramePredictor(small());
    expect(() => tf.tidy(() => model.logits(tf.zeros([1, 2, 4, 4, 1], 'int32')))).toThrow(/\[B, 2, 4, 5, 1\], got \[1, 2, 4, 4, 1\]/);
    expect(() => tf.tidy(() => model.logits(tf.zeros([1, 2, 4, 5, 1], 'float32')))).toThrow(/int32 ids, got float32/);
    model.dispose();
    expect(() => tf.tidy(() => model.logits(tf.zeros([1, 2, 4, 5, 1], 'int32')))).toThrow(/disposed/);
  });

  it('is seeded: same seed, same weights; another seed, other weights', async () => {
    const read = async (seed: number) => {
      const m = new NextFramePredictor(small({ seed }));
      const w = Array.from((await m.state()['embed.weight']!.data()) as Float32Array);
      m.dispose();
      return w;
    };
    const a = await read(3);
    expect(await read(3)).toEqual(a);
    expect(await read(4)).not.toEqual(a);
  });

  it('config errors name the field', () => {
    expect(() => resolvePredictorConfig({ codebookSize: 0, depth: 1, h: 4, w: 4 })).toThrow(/codebookSize must be a positive integer, got 0/);
    expect(() => resolvePredictorConfig({ codebookSize: 8, depth: 1, h: 4, w: 4, dim: 30, heads: 4 })).toThrow(/dim 30 is not divisible by heads 4/);
    expect(() => resolvePredictorConfig({ codebookSize: 8, depth: 1, h: 4, w: 4, stemKernel: 2 })).toThrow(/stemKernel must be a positive odd integer/);
  });
});

describe('training and rollouts keep tensor memory flat', () => {
  it('training steps lower the loss and leak no tensors (residual depth 2)', async () => {
    const vol = randomVolume(6, 4, 5, 2, 12, 1);
    const model = new NextFramePredictor(small({ depth: 2 }));
    const trainer = new PredictorTrainer(model, 1e-2);
    const sampler = new NextFrameSampler([vol], 2, 5);
    const fixed = sampler.batch(4);
    const first = await trainer.trainStep(fixed);
    const after1 = tf.memory().numTensors;
    let lastLoss = first.loss;
    for (let i = 0; i < 8; i++) lastLoss = (await trainer.trainStep(fixed)).loss;
    expect(tf.memory().numTensors).toBe(after1);
    // Fitting one fixed batch: the loss must go down.
    expect(lastLoss).toBeLessThan(first.loss);
    expect(trainer.step).toBe(9);
    trainer.dispose();
    model.dispose();
  });

  it('rollouts and one-step predictions leak no tensors; argmax rollouts repeat, seeded samples repeat', async () => {
    const vol = randomVolume(6, 4, 5, 1, 12, 2);
    const model = new NextFramePredictor(small());
    const before = tf.memory().numTensors;
    const a = await rollout(model, vol, { start: 2, horizon: 3, rollouts: 2, temperature: 0 });
    const b = await rollout(model, vol, { start: 2, horizon: 3, rollouts: 2, temperature: 2, topK: 5, seed: 9 });
    const c = await rollout(model, vol, { start: 2, horizon: 3, rollouts: 2, temperature: 2, topK: 5, seed: 9 });
    const d = await rollout(model, vol, { start: 2, horizon: 3, rollouts: 2, temperature: 2, topK: 5, seed: 10 });
    const one = await predictNextFrames(model, vol, { batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);

    expect([a.rollouts, a.frames, a.startFrame, a.mode]).toEqual([2, 3, 2, 'rollout']);
    // Temperature 0 is the argmax: both rollouts agree, and the first predicted frame sees only
    // true frames, so it equals the one-step prediction of the same frame.
    const n = 20;
    expect(Array.from(a.data.subarray(0, 3 * n))).toEqual(Array.from(a.data.subarray(3 * n)));
    expect(Array.from(a.data.subarray(0, n))).toEqual(Array.from(one.data.subarray((2 - 1) * n, 2 * n)));
    // The untrained model copies: an argmax rollout repeats the last true frame.
    expect(Array.from(a.data.subarray(2 * n, 3 * n))).toEqual(Array.from(vol.data.subarray(n, 2 * n)));
    expect(Array.from(b.data)).toEqual(Array.from(c.data));
    expect(Array.from(b.data)).not.toEqual(Array.from(d.data));
    expect([one.frames, one.startFrame, one.mode]).toEqual([5, 1, 'one-step']);
    model.dispose();
  });

  it('rollout arguments are checked', async () => {
    const vol = randomVolume(4, 4, 5, 1, 12, 3);
    const model = new NextFramePredictor(small());
    await expect(rollout(model, vol, { start: 0, horizon: 2 })).rejects.toThrow(/start must be in 1\.\.4/);
    await expect(rollout(model, vol, { start: 1, horizon: 0 })).rejects.toThrow(/horizon must be a positive integer/);
    await expect(rollout(model, { ...vol, codebookSize: 13 }, { start: 1, horizon: 1 })).rejects.toThrow(/codebook of 13 but the model predicts 12/);
    await expect(rollout(model, { ...vol, data: vol.data.slice(0, 40), frames: 2, w: 4, h: 5 }, { start: 1, horizon: 1 })).rejects.toThrow(/5×4×1 but the model was built for 4×5×1/);
    model.dispose();
  });
});
