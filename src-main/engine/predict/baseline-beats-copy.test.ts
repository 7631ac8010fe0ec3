import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend';
import { copyLastBaseline } from './copy-last';
import { proceduralTokens } from './patch-tokens';
import { accuracyPerHorizon, meanAccuracy } from './prediction-metrics';
import { PredictorTrainingLoop } from './predictor-training';
import { predictNextFrames, rollout } from './rollout';
import type { TokenVolume } from './token-volume';

beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
});

const STEPS = 25;

function frames(v: TokenVolume, from: number, to: number): TokenVolume {
  const n = v.h * v.w * v.depth;
  return { ...v, data: v.data.slice(from * n, to * n), frames: to - from };
}

/*
 * Tokens: the deterministic PatchTokenizer of patch-tokens.ts (each 2×2 patch of the 32×32 class
 * map → one id of its exact pattern, a 16×16 token grid), so this measures the predictor alone,
 * free of tokenizer noise: cars at constant speed move their tokens at constant speed.
 * baseline-trained-tokenizer.test.ts makes the same claim on a trained VQ tokenizer's tokens.
 *
 * Train on frames 0–31 of the scene; score on frames 30–47, which the model never saw (the
 * context frames 30–31 are the only overlap), so this measures learned dynamics, not memory.
 */
describe('the trained baseline predictor on a procedural scene with cars at constant speed', () => {
  it('beats copy-last-frame on next-frame token accuracy of unseen frames', async () => {
    const [scene] = await proceduralTokens([{ seed: 1, frames: 48, size: 32 }], 2);
    const train = frames(scene!, 0, 32);
    const heldOut = frames(scene!, 30, 48);
    // 25 steps at twice the rate instead of 60: the model has learned the motion by step 20 (gain
    // 0.06; 0.001 at 15 steps), so more steps only cost time on a busy machine.
    const loop = new PredictorTrainingLoop([train], { seed: 1 }, { steps: STEPS, batchSize: 4, learningRate: 8e-3, seed: 1 });
    const t0 = performance.now();
    const done = await loop.run();
    const seconds = (performance.now() - t0) / 1000;
    expect(done).toMatchObject({ reason: 'completed', step: STEPS });

    const model = loop.model;
    const predicted = await predictNextFrames(model, heldOut);
    const copy = copyLastBaseline(heldOut);
    const modelAcc = meanAccuracy(predicted, heldOut);
    const copyAcc = meanAccuracy(copy, heldOut);
    const roll = await rollout(model, heldOut, { start: 2, horizon: 4, temperature: 0 });
    const rollAcc = accuracyPerHorizon(roll, heldOut).mean;
    const copyRoll = accuracyPerHorizon(copyLastBaseline(heldOut, { start: 2, horizon: 4 }), heldOut).mean;
    console.log(
      `next-frame token accuracy on unseen frames: trained predictor ${modelAcc.toFixed(4)}, copy-last ${copyAcc.toFixed(4)} ` +
        `(vocabulary ${scene!.codebookSize}, 16×16 grid, ${model.parameterCount()} parameters, ${STEPS} steps in ${seconds.toFixed(1)} s)\n` +
        `rollout accuracy by steps ahead 1-4: predictor ${rollAcc.map((a) => a.toFixed(3)).join(' ')}, copy-last ${copyRoll.map((a) => a.toFixed(3)).join(' ')}`,
    );
    /*
     * The margin: copy-last is wrong exactly on the cells that change, here about 12% of them
     * (agents moving). Observed runs put the trained model about 9 points above copy-last
     * (0.964 against 0.877 after 25 steps; 0.977 after 60 at the old rate). Asking for 3 points — a quarter of copy-last's errors put right —
     * fails a model that only learned to copy (gain 0) or that predicts motion badly (negative:
     * a wrong deviation costs a correct copy), yet leaves room for backend rounding and load.
     */
    expect(modelAcc).toBeGreaterThan(copyAcc + 0.03);
    // Rolled out, the first step is the same teacher-forced prediction, so it must win too.
    expect(rollAcc[0]!).toBeGreaterThan(copyRoll[0]!);

    const before = tf.memory().numTensors;
    loop.dispose();
    loop.disposeModel();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});
