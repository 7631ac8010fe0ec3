import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend';
import { Tokenizer } from '../tokenizer';
import { VectorQuantizer } from '../quantizers/vq';
import { Trainer } from '../train/trainer';
import { BatchSampler } from '../train/batch-sampler';
import { createProceduralSequence } from '../../data/procedural-scene';
import type { TrainConfig } from '../../contract';
import { copyLastBaseline } from './copy-last';
import { meanAccuracy } from './prediction-metrics';
import { PredictorTrainingLoop } from './predictor-training';
import { predictNextFrames } from './rollout';
import type { TokenVolume } from './token-volume';

beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
});

/*
 * The same claim as baseline-beats-copy.test.ts, on tokens of a real (briefly trained) VQ-VAE
 * tokenizer instead of the exact patch tokenizer: one down-sampling stage, so 32×32 frames give a
 * 16×16 token grid; 300 Adam steps (a few seconds) reach a class mIoU around 0.8.
 */
describe('the baseline predictor on tokens of a briefly trained VQ tokenizer', () => {
  it('beats copy-last-frame on next-frame token accuracy of unseen frames', async () => {
    const seq = createProceduralSequence({ seed: 1, frames: 48, size: 32 });
    const cfg: TrainConfig = {
      model: { inChannels: seq.channels, hidden: 16, latentDim: 8, stages: 1 },
      quantizer: { kind: 'vq', codebookSize: 64, ema: true },
      learningRate: 1e-2,
      steps: 300,
      batchSize: 4,
      crop: 0,
      seed: 1,
      checkpointEvery: 0,
    };
    const tokenizer = new Tokenizer(cfg, seq.encoding, new VectorQuantizer({ dim: 8, codebookSize: 64, seed: 1, ema: true }));
    const trainer = new Trainer(tokenizer, cfg);
    const sampler = new BatchSampler(seq, 4, 0, 1, 2);
    let miou = 0;
    for (let i = 0; i < cfg.steps; i++) miou = (await trainer.trainStep(await sampler.next())).miou ?? 0;
    trainer.dispose();

    const frames = new Float32Array(seq.length * seq.channels * 32 * 32);
    for (let t = 0; t < seq.length; t++) frames.set((await seq.getFrame(t)).data, t * seq.channels * 32 * 32);
    const idx = tf.tidy(() => tokenizer.encode(tf.tensor4d(frames, [seq.length, seq.channels, 32, 32])).indices);
    const ids = Int32Array.from((await idx.data()) as Int32Array);
    const [, h, w] = idx.shape as [number, number, number];
    idx.dispose();
    tokenizer.dispose();

    const n = h * w;
    const all: TokenVolume = { data: ids, frames: seq.length, h, w, depth: 1, codebookSize: 64 };
    const train: TokenVolume = { ...all, data: ids.slice(0, 32 * n), frames: 32 };
    const heldOut: TokenVolume = { ...all, data: ids.slice(30 * n), frames: 18 };
    // 30 predictor steps at twice the rate instead of 60: half the steps, still twice the margin asked for.
    const loop = new PredictorTrainingLoop([train], { seed: 1 }, { steps: 30, batchSize: 4, learningRate: 8e-3, seed: 1 });
    await loop.run();
    const modelAcc = meanAccuracy(await predictNextFrames(loop.model, heldOut), heldOut);
    const copyAcc = meanAccuracy(copyLastBaseline(heldOut), heldOut);
    console.log(
      `VQ tokenizer (mIoU ${miou.toFixed(3)}, ${new Set(ids).size} of 64 codes used, ${h}×${w} grid): ` +
        `next-frame token accuracy on unseen frames: trained predictor ${modelAcc.toFixed(4)}, copy-last ${copyAcc.toFixed(4)}`,
    );
    /*
     * Observed: 0.863 against 0.843 (+2.0 points; 0.875 after 60 steps at half the rate). A
     * learned tokenizer's ids around a moving car change less regularly than the patch
     * tokenizer's (the encoder's receptive field spans several cells and codes are shared between
     * patterns), so less of copy-last's 16% error is predictable. One point (a sixteenth of copy-last's errors) still fails a model that only
     * copies, and the run is seeded, so on the wasm backend it repeats exactly.
     */
    expect(modelAcc).toBeGreaterThan(copyAcc + 0.01);
    loop.dispose();
    loop.disposeModel();
  });
});
