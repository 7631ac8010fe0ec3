import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend';
import { Tokenizer } from './tokenizer';
import { Trainer } from './train/trainer';
import type { TrainConfig } from '../contract';

/**
 * Building and disposing the engine's long-lived objects must leave no tensor behind: tf.variable
 * shares its initial tensor's data without taking ownership of it, so every variable made from a
 * temporary used to leave that temporary alive (one tensor per layer, per Adam moment).
 */
const cfg = (q: TrainConfig['quantizer']): TrainConfig => ({
  model: { inChannels: 2, hidden: 4, latentDim: 4, stages: 1 },
  quantizer: q,
  learningRate: 1e-3,
  steps: 2,
  batchSize: 2,
  crop: 0,
  seed: 3,
  checkpointEvery: 0,
});

describe('engine object lifecycles', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  const kinds: Array<[string, TrainConfig['quantizer']]> = [
    ['vq', { kind: 'vq', codebookSize: 8 }],
    ['vq ema', { kind: 'vq', codebookSize: 8, ema: true }],
    ['fsq', { kind: 'fsq', levels: [3, 3, 3, 3] }],
  ];
  it.each(kinds)('a Tokenizer (%s) built and disposed returns numTensors to its baseline', (_n, q) => {
    const before = tf.memory().numTensors;
    const tok = new Tokenizer(cfg(q), { kind: 'continuous' });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    tok.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a Tokenizer + Trainer that stepped and restored optimizer state dispose to the baseline', async () => {
    const before = tf.memory().numTensors;
    const tok = new Tokenizer(cfg({ kind: 'vq', codebookSize: 8 }), { kind: 'continuous' });
    const trainer = new Trainer(tok);
    const x = tf.randomUniform([2, 2, 8, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
    await trainer.trainStep(x);
    const state = trainer.getOptimizerState();
    expect(Object.keys(state.tensors).length).toBeGreaterThan(0);
    trainer.setOptimizerState(state);
    tf.dispose(Object.values(state.tensors));
    // A second restore replaces the moments it made the first time.
    const again = trainer.getOptimizerState();
    trainer.setOptimizerState(again);
    tf.dispose(Object.values(again.tensors));
    await trainer.trainStep(x);
    x.dispose();
    trainer.dispose();
    tok.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
