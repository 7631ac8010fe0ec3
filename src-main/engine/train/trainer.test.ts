import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { VectorQuantizer } from '../quantizers/vq';
import { Trainer } from './trainer';
import { BatchSampler } from './batch-sampler';
import { createProceduralSequence } from '../../data/procedural-scene';
import type { TrainConfig } from '../../contract';
import type { FrameSequence } from '../../data/frame';

const seq: FrameSequence = createProceduralSequence({ seed: 3, frames: 6, size: 32 });

function config(seed = 1): TrainConfig {
  return {
    model: { inChannels: seq.channels, hidden: 16, latentDim: 8, stages: 2 },
    quantizer: { kind: 'vq', codebookSize: 32 },
    learningRate: 3e-3,
    steps: 6,
    batchSize: 4,
    crop: 16,
    seed,
    checkpointEvery: 0,
  };
}

function makeTrainer(cfg: TrainConfig, ema = false): Trainer {
  const q = new VectorQuantizer({ dim: cfg.model.latentDim, codebookSize: cfg.quantizer.codebookSize!, seed: cfg.seed, ema });
  return new Trainer(new Tokenizer(cfg, seq.encoding, q), cfg);
}

async function run(trainer: Trainer, sampler: BatchSampler, steps: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((await trainer.trainStep(await sampler.next())).loss);
  return losses;
}

describe('Trainer', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('is repeatable: same seed and data give the same losses; another seed differs', async () => {
    const cfg = config(5);
    const a = makeTrainer(cfg);
    const b = makeTrainer(cfg);
    const c = makeTrainer(config(6));
    const la = await run(a, new BatchSampler(seq, 4, 16, 5, 4), 3);
    const lb = await run(b, new BatchSampler(seq, 4, 16, 5, 4), 3);
    const lc = await run(c, new BatchSampler(seq, 4, 16, 5, 4), 3);
    expect(la).toEqual(lb);
    expect(lc).not.toEqual(la);
    for (const t of [a, b, c]) {
      t.tokenizer.dispose();
      t.dispose();
    }
  });

  it('lowers the loss and reports class metrics (IoU, mIoU) and codebook health', async () => {
    const cfg = { ...config(2), learningRate: 1e-2 };
    const t = makeTrainer(cfg);
    const sampler = new BatchSampler(seq, 4, 16, 2, 4);
    const batch = await sampler.next();
    const first = await t.trainStep(batch);
    let last = first;
    for (let i = 0; i < 19; i++) last = await t.trainStep(batch);
    expect(last.reconLoss).toBeLessThan(first.reconLoss * 0.8);
    expect(last.miou).toBeGreaterThanOrEqual(0);
    expect(last.miou).toBeLessThanOrEqual(1);
    expect(last.iou).toBeGreaterThanOrEqual(0);
    expect(last.perplexity).toBeGreaterThanOrEqual(1);
    expect(last.perplexity).toBeLessThanOrEqual(32);
    expect(last.utilization * 32 + last.deadCodes / 1).toBeCloseTo(32, 5);
    expect(last.bitsPerToken).toBe(5);
    // 16×16 crop of C channels at 32 bits against 4×4 tokens of 5 bits.
    expect(last.compressionRatio).toBeCloseTo((seq.channels * 16 * 16 * 32) / (16 * 5), 6);
    expect(Object.keys(last.quantLoss)).toContain('total');
    expect(t.history).toHaveLength(20);
    t.tokenizer.dispose();
    t.dispose();
  });

  it('keeps tf.memory().numTensors unchanged over N training steps and N encodes (EMA codebook too)', async () => {
    for (const ema of [false, true]) {
      const cfg = config(3);
      const t = makeTrainer(cfg, ema);
      const sampler = new BatchSampler(seq, 2, 16, 3, 4);
      const batch = await sampler.next();
      const x = tf.tensor4d(batch.data, batch.shape);
      await t.trainStep(batch);
      tf.dispose(Object.values(t.tokenizer.encode(x)));
      const before = tf.memory().numTensors;
      for (let i = 0; i < 4; i++) {
        await t.trainStep(batch);
        const e = t.tokenizer.encode(x);
        const d = t.tokenizer.decodeIndices(e.indices);
        tf.dispose([e.indices, e.quantError, d]);
      }
      expect(tf.memory().numTensors, `ema=${ema}`).toBe(before);
      x.dispose();
      t.tokenizer.dispose();
      t.dispose();
    }
  });

  it('resumes: N steps, state saved and loaded into a new trainer, M more = N+M straight', async () => {
    const cfg = config(4);
    const straight = makeTrainer(cfg);
    const s1 = new BatchSampler(seq, 4, 16, 9, 4);
    const batches = [];
    for (let i = 0; i < 4; i++) batches.push(await s1.next());
    const want: number[] = [];
    for (const b of batches) want.push((await straight.trainStep(b)).loss);

    const first = makeTrainer(cfg);
    for (const b of batches.slice(0, 2)) await first.trainStep(b);
    const weights = first.tokenizer.stateDict();
    const state = first.getState();
    const second = makeTrainer(config(99)); // different init: everything must come from the state
    second.tokenizer.loadStateDict(weights);
    second.setState(state);
    const got: number[] = [];
    for (const b of batches.slice(2)) got.push((await second.trainStep(b)).loss);
    expect(got).toEqual(want.slice(2));
    expect(second.step).toBe(4);
    // The codebook-health window came along too: same perplexity / usage as the straight run.
    const a = straight.history.at(-1)!;
    const b = second.history.at(-1)!;
    expect([b.perplexity, b.utilization, b.deadCodes, b.miou]).toEqual([a.perplexity, a.utilization, a.deadCodes, a.miou]);
    expect(second.history.map((h) => h.loss)).toEqual(want);
    tf.dispose([...Object.values(weights), ...Object.values(state.optimizer.tensors)]);
    for (const t of [straight, first, second]) {
      t.tokenizer.dispose();
      t.dispose();
    }
  });

  it('rejects optimizer state of the wrong shape with a clear error', () => {
    const t = makeTrainer(config(1));
    const bad = { step: 1, tensors: { 'encoder.net.0.weight.exp_avg': tf.zeros([1, 2]) } };
    expect(() => t.setOptimizerState(bad)).toThrow(/encoder\.net\.0\.weight\.exp_avg is \[1, 2\]/);
    tf.dispose(Object.values(bad.tensors));
    t.tokenizer.dispose();
    t.dispose();
  });
});
