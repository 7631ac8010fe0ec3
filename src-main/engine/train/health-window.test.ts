/**
 * The trainer's "last 50 training batches" window early in a run (issue 11): utilization must be
 * the share of the K codes the training batches assigned, not 100 % because the k-means init
 * batch (clustered onto every code by construction) sits in the window for 50 steps.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { VectorQuantizer } from '../quantizers/vq';
import { ResidualVectorQuantizer } from '../quantizers/rvq';
import { CodebookHealth } from '../metrics/codebook-health';
import { Trainer } from './trainer';
import { BatchSampler } from './batch-sampler';
import { createProceduralSequence } from '../../data/procedural-scene';
import type { TrainConfig } from '../../contract';

const seq = createProceduralSequence({ seed: 3, frames: 6, size: 32 });
const K = 64;

function config(): TrainConfig {
  return {
    model: { inChannels: seq.channels, hidden: 16, latentDim: 8, stages: 2 },
    quantizer: { kind: 'vq', codebookSize: K, ema: true, kmeansInit: true },
    learningRate: 3e-3,
    steps: 8,
    batchSize: 4,
    crop: 16,
    seed: 1,
    checkpointEvery: 0,
  };
}

describe('trainer health window after k-means init', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('reads the codes the batches after the init batch assigned, not 100 %', async () => {
    const cfg = config();
    const q = new VectorQuantizer({ dim: 8, codebookSize: K, seed: 1, ema: true, kmeansInit: true });
    // The step's own assignment, as the trainer hands it to the quantizer after the step.
    const assigned: number[][] = [];
    const afterStep = q.afterStep.bind(q);
    q.afterStep = (z, indices) => {
      assigned.push(Array.from(indices.dataSync()));
      afterStep(z, indices);
    };
    const trainer = new Trainer(new Tokenizer(cfg, seq.encoding, q), cfg);
    const sampler = new BatchSampler(seq, 4, 16, 1, 4);
    let before = 0;
    const utils: number[] = [];
    for (let s = 0; s < 6; s++) {
      const m = await trainer.trainStep(await sampler.next());
      utils.push(m.utilization);
      // Adam's moments appear at the first step; nothing grows after it.
      if (s === 0) before = tf.memory().numTensors;
      // Batches seen so far, without the init batch once another one has come.
      const seen = s === 0 ? assigned : assigned.slice(1);
      const used = new Set(seen.flat()).size;
      expect(m.utilization).toBeCloseTo(used / K, 10);
      expect(m.deadCodes).toBe(K - used);
      expect(m.healthBatches).toBe(seen.length);
    }
    // The init batch is its own clustering: (nearly) every code; the batches after it use few.
    expect(new Set(assigned[0]).size).toBeGreaterThan(K / 2);
    expect(utils[1]!).toBeLessThan(0.5);
    expect(tf.memory().numTensors).toBe(before);
    // The checkpointed window holds the same 5 batches (getState's optimizer copies are ours to free).
    const state = trainer.getState();
    expect(state.usageWindow.map((a) => Array.from(a))).toEqual(assigned.slice(1));
    tf.dispose(Object.values(state.optimizer.tensors));
    trainer.tokenizer.dispose();
    trainer.dispose();
  });

  it('drops the init batch at every level of a residual quantizer', async () => {
    const cfg: TrainConfig = { ...config(), quantizer: { kind: 'rvq', codebookSize: K, depth: 2, ema: true, kmeansInit: true } };
    const q = new ResidualVectorQuantizer({ dim: 8, codebookSize: K, depth: 2, seed: 1, ema: true, kmeansInit: true });
    const trainer = new Trainer(new Tokenizer(cfg, seq.encoding, q), cfg);
    const sampler = new BatchSampler(seq, 4, 16, 1, 4);
    await trainer.trainStep(await sampler.next());
    expect(q.kmeansRuns()).toBe(2);
    // Checkpointed at step 1: the provisional batch is not saved with the window.
    const s1 = trainer.getState();
    expect(s1.usageWindow).toEqual([]);
    tf.dispose(Object.values(s1.optimizer.tensors));
    const m = await trainer.trainStep(await sampler.next());
    expect(m.healthBatches).toBe(1);
    expect(m.utilization).toBeLessThan(0.5);
    trainer.tokenizer.dispose();
    trainer.dispose();
  });
});

describe('CodebookHealth provisional batch', () => {
  it('counts a provisional batch until the next push, then forgets it', () => {
    const h = new CodebookHealth(8, { windowBatches: 3 });
    h.push([0, 1, 2, 3, 4, 5, 6, 7], { provisional: true });
    expect(h.summary()).toMatchObject({ utilization: 1, deadCodes: 0, batches: 1 });
    h.push([2, 2, 3]);
    expect(h.summary()).toMatchObject({ utilization: 2 / 8, deadCodes: 6, batches: 1, tokens: 3 });
    expect(h.usage(0)[0]).toBe(0);
    h.push([4]);
    h.push([5]);
    h.push([6]);
    // A plain window again: the last 3 batches.
    expect(h.summary()).toMatchObject({ utilization: 3 / 8, batches: 3 });
  });
});
