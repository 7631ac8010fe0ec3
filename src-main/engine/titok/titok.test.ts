import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { Trainer } from '../train/trainer';
import { BatchSampler } from '../train/batch-sampler';
import { createProceduralSequence } from '../../data/procedural-scene';
import type { TrainConfig } from '../../contract';
import { TiTokNets } from './titok-nets';

const seq = createProceduralSequence({ seed: 3, frames: 4, size: 32 });

export function titokConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    model: { inChannels: seq.channels, hidden: 16, latentDim: 4, stages: 2, arch: 'titok', titok: { tokens: 8, gridHeight: 4, gridWidth: 4, layers: 1, heads: 2 } },
    quantizer: { kind: 'vq', codebookSize: 16, kmeansInit: false },
    learningRate: 3e-3,
    steps: 10,
    batchSize: 2,
    crop: 16,
    seed: 2,
    checkpointEvery: 0,
    ...overrides,
  };
}

describe('TiTok 1D tokenizer', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('encodes a frame to N token ids, decodes them back to a frame, and says which cells each token attends to', async () => {
    const tok = new Tokenizer(titokConfig(), seq.encoding);
    expect(tok.tokenGrid(16, 16)).toEqual([1, 8]);
    const x = tf.randomUniform([2, seq.channels, 16, 16]);
    const { indices, quantError } = tok.encode(x);
    expect(indices.shape).toEqual([2, 1, 8]);
    expect(quantError.shape).toEqual([2, 1, 8]);
    const out = tok.decodeIndices(indices);
    expect(out.shape).toEqual([2, seq.channels, 16, 16]);
    const nets = tok.nets as TiTokNets;
    const attn = tf.tidy(() => nets.encodeWithAttention(tok.toNhwc(x), false).attention);
    expect(attn.shape).toEqual([2, 8, 4, 4]);
    const sums = await tf.tidy(() => tf.sum(attn, [2, 3])).data();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    expect(() => tok.encode(tf.zeros([1, seq.channels, 32, 32]))).toThrow(/takes 16×16 frames/);
    tf.dispose([x, indices, quantError, out, attn]);
    tok.dispose();
  });

  it('trains (the reconstruction loss falls) without leaking tensors, adversarially too', async () => {
    for (const cfg of [titokConfig({ learningRate: 1e-2 }), titokConfig({ adversarial: { discLayers: 1, discChannels: 4 } })]) {
      const t = new Trainer(new Tokenizer(cfg, seq.encoding), cfg);
      const batch = await new BatchSampler(seq, 2, 16, 1, 4).next();
      const first = await t.trainStep(batch);
      const n = tf.memory().numTensors;
      let last = first;
      for (let i = 0; i < 12; i++) last = await t.trainStep(batch);
      expect(tf.memory().numTensors).toBe(n);
      if (!cfg.adversarial) expect(last.reconLoss).toBeLessThan(first.reconLoss * 0.9);
      else expect(last.adversarial!.lambda).toBeGreaterThan(0);
      t.tokenizer.dispose();
      t.dispose();
    }
  });

  it('round-trips its state dict under PyTorch names (linear weights [out, in])', async () => {
    const a = new Tokenizer(titokConfig(), seq.encoding);
    const b = new Tokenizer(titokConfig({ seed: 9 }), seq.encoding);
    const sd = a.stateDict();
    expect(sd['encoder.blocks.0.mlp.fc1.weight']!.shape).toEqual([64, 16]);
    expect(sd['encoder.to_latent.weight']!.shape).toEqual([4, 16]);
    expect(sd['encoder.stem.2.weight']!.shape).toEqual([16, 16, 4, 4]);
    expect(sd['decoder.head.4.weight']!.shape).toEqual([16, seq.channels, 3, 3]);
    b.loadStateDict(sd);
    const x = tf.randomUniform([1, seq.channels, 16, 16]);
    const ea = a.encode(x);
    const eb = b.encode(x);
    expect(Array.from(await eb.indices.data())).toEqual(Array.from(await ea.indices.data()));
    tf.dispose([x, ea.indices, ea.quantError, eb.indices, eb.quantError, ...Object.values(sd)]);
    a.dispose();
    b.dispose();
  });
});
