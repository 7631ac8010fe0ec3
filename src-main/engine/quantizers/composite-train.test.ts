/**
 * The composite quantizers inside the real training loop on the procedural scene: a few steps of
 * each (losses finite, tokens [B, h, w, depth], learned projections move and identity ones do
 * not, the disentanglement term is reported), no tensor leaks over steps, and a checkpoint
 * (saveCheckpoint / loadCheckpoint) that restores the same token ids in a fresh tokenizer.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { Trainer } from '../train/trainer';
import { BatchSampler } from '../train/batch-sampler';
import { createProceduralSequence } from '../../data/procedural-scene';
import { disposeSnapshot, loadCheckpoint, saveCheckpoint } from '../checkpoint/checkpoint';
import type { QuantizerConfig, TrainConfig } from '../../contract';
import { createQuantizer } from './create-quantizer';
import { MultiHeadVectorQuantizer } from './multihead-vq';

const seq = createProceduralSequence({ seed: 3, frames: 6, size: 32 });

function config(quantizer: QuantizerConfig, latentDim = 8): TrainConfig {
  return {
    model: { inChannels: seq.channels, hidden: 16, latentDim, stages: 2 },
    quantizer,
    learningRate: 1e-2,
    steps: 6,
    batchSize: 2,
    crop: 16,
    seed: 5,
    checkpointEvery: 0,
  };
}

const CASES: TrainConfig[] = [
  config({ kind: 'rfsq', levels: [8, 5, 5, 5], depth: 3 }, 4),
  config({ kind: 'rlfq', depth: 3, entropyWeight: 0.1 }, 6),
  config({ kind: 'mhvq', codebookSize: 16, depth: 4, compose: 'concat', projection: 'identity', ema: true }),
  config({ kind: 'mhvq', codebookSize: 16, depth: 2, compose: 'concat', projection: 'learned', disentangleWeight: 0.5 }),
  config({ kind: 'mhvq', codebookSize: 16, depth: 2, compose: 'sum', projection: 'learned', disentangleWeight: 0.5, ema: true }),
];

const name = (c: TrainConfig) => `${c.quantizer.kind}${c.quantizer.compose ? ` ${c.quantizer.compose}/${c.quantizer.projection}` : ''}`;

let dir = '';
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-composite-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('composite quantizers train, checkpoint and reload', () => {
  for (const cfg of CASES) {
    it(`${name(cfg)}: finite losses, tokens [B, h, w, ${cfg.quantizer.depth}], no leaks, same ids after a checkpoint round trip`, async () => {
      const q = createQuantizer(cfg.quantizer, cfg.model.latentDim, cfg.seed);
      const tok = new Tokenizer(cfg, seq.encoding, q);
      const trainer = new Trainer(tok, cfg);
      const sampler = new BatchSampler(seq, 2, 16, 7, 4);
      const batch = await sampler.next();
      const x = tf.tensor4d(batch.data, batch.shape);
      const proj0 = q instanceof MultiHeadVectorQuantizer ? Array.from(await q.state()['heads.0.project_in.weight']!.data()) : null;
      const m1 = await trainer.trainStep(batch);
      const before = tf.memory().numTensors;
      let last = m1;
      for (let i = 0; i < 3; i++) last = await trainer.trainStep(batch);
      expect(tf.memory().numTensors, 'tensors after 3 more steps').toBe(before);
      expect(Number.isFinite(last.loss)).toBe(true);
      if (cfg.quantizer.disentangleWeight) expect(Object.keys(last.quantLoss)).toContain('disentangle');
      if (proj0) {
        const proj = Array.from(await (q as MultiHeadVectorQuantizer).state()['heads.0.project_in.weight']!.data());
        const moved = proj.some((v, i) => v !== proj0[i]);
        expect(moved, 'projection moved').toBe(cfg.quantizer.projection === 'learned');
      }

      const enc = tok.encode(x);
      expect(enc.indices.shape).toEqual([2, 4, 4, cfg.quantizer.depth]);
      const ids = Array.from(await enc.indices.data());
      expect(Math.max(...ids)).toBeLessThan(q.codebookSize);

      const file = path.join(dir, `${name(cfg).replace(/[ /]/g, '-')}.ckpt`);
      await saveCheckpoint(file, { config: cfg, step: 4, weights: tok.stateDict(), optimizer: null, metrics: [] });
      const back = await loadCheckpoint(file);
      expect(back.config.quantizer).toEqual(cfg.quantizer);
      const tok2 = new Tokenizer(back.config, seq.encoding, createQuantizer(back.config.quantizer, back.config.model.latentDim, 99));
      tok2.loadStateDict(back.weights);
      const enc2 = tok2.encode(x);
      expect(Array.from(await enc2.indices.data())).toEqual(ids);

      disposeSnapshot(back);
      tf.dispose([x, enc.indices, enc.quantError, enc2.indices, enc2.quantError]);
      tok2.dispose();
      tok.dispose();
      trainer.dispose();
    });
  }

  it('the disentanglement term is 0 for orthogonal head codes and 1 for parallel ones', () => {
    const q = new MultiHeadVectorQuantizer({ dim: 4, heads: 2, codebookSize: 4, disentangleWeight: 1 });
    const a = tf.tensor2d([[1, 0], [0, 2]]);
    const b = tf.tensor2d([[0, 3], [5, 0]]);
    const c = tf.tensor2d([[2, 0], [0, -1]]);
    const ortho = q.disentanglement([a, b]);
    const par = q.disentanglement([a, c]);
    expect(ortho.arraySync()).toBeCloseTo(0, 6);
    expect(par.arraySync()).toBeCloseTo(1, 5);
    tf.dispose([a, b, c, ortho, par]);
    q.dispose();
  });
});

describe('per-level codes of the implicit residual quantizers (what the codebook view shows)', () => {
  it('summing levelCodes over the levels gives indicesToCodes', async () => {
    for (const cfg of CASES.slice(0, 2)) {
      const q = createQuantizer(cfg.quantizer, cfg.model.latentDim, 1);
      const z = tf.randomNormal([32, q.dim], 0, 1, 'float32', 4) as tf.Tensor2D;
      const r = q.quantize(z, { training: false });
      const cols = tf.unstack(r.indices, 1) as tf.Tensor1D[];
      const sum = tf.addN(cols.map((c, l) => q.levelCodes!(c, l)));
      const whole = q.indicesToCodes(r.indices);
      const a = await sum.data();
      const b = await whole.data();
      let diff = 0;
      a.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - b[i]!))));
      expect(diff, cfg.quantizer.kind).toBeLessThan(1e-6);
      // Level 1 codes are smaller than level 0's: the levels refine.
      const l0 = await tf.max(tf.abs(q.levelCodes!(cols[0]!, 0))).data();
      const l1 = await tf.max(tf.abs(q.levelCodes!(cols[1]!, 1))).data();
      expect(l1[0]!).toBeLessThan(l0[0]!);
      expect(() => q.levelCodes!(cols[0]!, 3)).toThrow(/level 3 outside/);
      q.dispose();
    }
  });
});

describe('the disentanglement term moves training with an EMA codebook', () => {
  it('two runs differing only in disentangleWeight end with different projections', async () => {
    const finals: number[][] = [];
    for (const w of [0, 1]) {
      const cfg = config({ kind: 'mhvq', codebookSize: 16, depth: 2, compose: 'concat', projection: 'learned', disentangleWeight: w, ema: true });
      const q = createQuantizer(cfg.quantizer, cfg.model.latentDim, cfg.seed) as MultiHeadVectorQuantizer;
      const tok = new Tokenizer(cfg, seq.encoding, q);
      const trainer = new Trainer(tok, cfg);
      const sampler = new BatchSampler(seq, 2, 16, 7, 4);
      const batch = await sampler.next();
      for (let i = 0; i < 3; i++) await trainer.trainStep(batch);
      finals.push(Array.from(await q.state()['heads.0.project_in.weight']!.data()));
      tok.dispose();
      trainer.dispose();
    }
    expect(finals[1]!.some((v, i) => Math.abs(v - finals[0]![i]!) > 1e-7)).toBe(true);
  });
});

describe('multi-head VQ resumes exactly', () => {
  it('state + resume state into a fresh quantizer: the next steps (k-means, EMA, reseeding) give the same codebooks', async () => {
    const opts = { dim: 8, heads: 2, codebookSize: 32, projection: 'learned' as const, ema: true, decay: 0.8, kmeansInit: true, deadCodeThreshold: 2, reseed: 'random' as const, seed: 3 };
    const a = new MultiHeadVectorQuantizer(opts);
    const step = (q: MultiHeadVectorQuantizer, seed: number) => {
      const z = tf.randomNormal([64, 8], 0, 1, 'float32', seed) as tf.Tensor2D;
      const r = q.quantize(z, { training: true });
      q.afterStep(z, r.indices);
      tf.dispose([z, r.quantized, r.indices, r.loss, ...Object.values(r.lossParts)]);
    };
    for (let i = 0; i < 3; i++) step(a, i);
    const b = new MultiHeadVectorQuantizer({ ...opts, seed: 99 });
    b.loadState(a.state());
    b.restoreResumeState(await a.resumeState());
    for (let i = 3; i < 6; i++) {
      step(a, i);
      step(b, i);
    }
    const ca = a.codebook();
    const cb = b.codebook();
    expect(Array.from(await cb.data())).toEqual(Array.from(await ca.data()));
    tf.dispose([ca, cb]);
    a.dispose();
    b.dispose();
  });
});
