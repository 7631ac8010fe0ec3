/** Held-out metrics (issue 11): which frames, excluded from training batches, evaluated at the right steps, no leaks. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { Trainer } from './trainer';
import { BatchSampler } from './batch-sampler';
import { HeldOutEvaluator, heldOutFrames, heldOutFramesFor } from './held-out';
import { createProceduralSequence } from '../../data/procedural-scene';
import type { TrainConfig } from '../../contract';
import { buildExportConfig, parseExportConfig } from '../checkpoint/export-config';

const seq = createProceduralSequence({ seed: 4, frames: 13, size: 32 });

function config(heldOutEvery: number): TrainConfig {
  return {
    model: { inChannels: seq.channels, hidden: 16, latentDim: 8, stages: 2 },
    quantizer: { kind: 'vq', codebookSize: 32 },
    learningRate: 1e-2,
    steps: 7,
    batchSize: 4,
    crop: 16,
    seed: 2,
    checkpointEvery: 0,
    heldOutEvery,
  };
}

describe('held-out frames', () => {
  it('are every 6th frame, at most 4, none in a short sequence or when off', () => {
    expect(heldOutFrames(13)).toEqual([5, 11]);
    expect(heldOutFrames(100)).toEqual([5, 11, 17, 23]);
    expect(heldOutFrames(5)).toEqual([]);
    expect(heldOutFramesFor(config(0), 13)).toEqual([]);
    expect(heldOutFramesFor(config(10), 13)).toEqual([5, 11]);
  });

  it('heldOutEvery survives the export config round trip', () => {
    const json = buildExportConfig(config(25), undefined, { codebookFile: null });
    expect(parseExportConfig(JSON.parse(JSON.stringify(json)), 'config.json').train.heldOutEvery).toBe(25);
  });

  it('are never drawn by the batch sampler, which still draws every other frame', async () => {
    const s = new BatchSampler(seq, 8, 16, 1, 4, [5, 11]);
    const drawn = new Set<number>();
    for (let i = 0; i < 60; i++) for (const f of (await s.next()).frames) drawn.add(f);
    expect([...drawn].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12]);
    // Without exclusions the draws are the ones a sampler always made (old runs resume unchanged).
    const plain = new BatchSampler(seq, 8, 16, 1, 4);
    const same = new BatchSampler(seq, 8, 16, 1, 4, []);
    expect((await same.batchAt(3)).frames).toEqual((await plain.batchAt(3)).frames);
    expect(() => new BatchSampler(createProceduralSequence({ frames: 1, size: 16 }), 2, 8, 1, 4, [0])).toThrow(/every frame .* held out/);
  });
});

describe('trainer with held-out evaluation', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('evaluates every N steps and at the last, carries the latest, leaks nothing, changes no weights', async () => {
    const cfg = config(3);
    const tok = new Tokenizer(cfg, seq.encoding);
    const trainer = new Trainer(tok, cfg);
    const frames = heldOutFramesFor(cfg, seq.length);
    trainer.heldOut = new HeldOutEvaluator(tok, seq, frames, cfg.heldOutEvery!, cfg.steps);
    const sampler = new BatchSampler(seq, cfg.batchSize, cfg.crop, cfg.seed, tok.arch.factor, frames);
    const ms = [];
    let tensors = 0;
    for (let s = 0; s < cfg.steps; s++) {
      ms.push(await trainer.trainStep(await sampler.next()));
      if (s === 0) tensors = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(tensors);
    }
    expect(ms.map((m) => m.heldOutStep)).toEqual([undefined, undefined, 3, 3, 3, 6, 7]);
    for (const m of ms.slice(2)) {
      expect(m.heldOutRecon).toBeGreaterThan(0);
      expect(m.heldOutMiou).toBeGreaterThanOrEqual(0);
      expect(m.heldOutMiou).toBeLessThanOrEqual(1);
    }
    // A fresh evaluation (different weights than at step 3) and the evaluation itself is pure.
    expect(ms[5]!.heldOutRecon).not.toBe(ms[2]!.heldOutRecon);
    const before = await Promise.all(Object.values(trainer.params()).map((v) => v.data()));
    const again = await trainer.heldOut.evaluate();
    expect(again.heldOutRecon).toBeCloseTo(ms[6]!.heldOutRecon!, 5);
    const after = await Promise.all(Object.values(trainer.params()).map((v) => v.data()));
    after.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(before[i]!)));
    expect(tf.memory().numTensors).toBe(tensors);
    // The held-out step and values are restored with the history (a resumed run keeps showing them).
    const state = trainer.getState();
    const resumed = new Trainer(tok, cfg);
    resumed.setState(state);
    tf.dispose(Object.values(state.optimizer.tensors));
    const next = await resumed.trainStep(await sampler.next());
    expect(next.heldOutStep).toBe(7);
    resumed.dispose();
    tok.dispose();
    trainer.dispose();
  });

  it('costs nothing when off: no held-out fields', async () => {
    const cfg = config(0);
    const tok = new Tokenizer(cfg, seq.encoding);
    const trainer = new Trainer(tok, cfg);
    const m = await trainer.trainStep(await new BatchSampler(seq, 4, 16, 1, 4).next());
    expect(m.heldOutRecon).toBeUndefined();
    expect(m.heldOutStep).toBeUndefined();
    tok.dispose();
    trainer.dispose();
  });
});
