/**
 * Soft and Gumbel-softmax VQ in the engine: the training output against its formula computed
 * here in plain JS, the hardened inference path, the config refusals, and training through the
 * Trainer (τ follows the schedule, the soft-vs-hard gap is measured when due, the codebook
 * metrics match the step's ids, no tensors leak). The PyTorch cross-check is relaxed-vq.torch.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../contract';
import { createProceduralSequence } from '../../data/procedural-scene';
import { Rng } from '../../util/rng';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { BatchSampler } from '../train/batch-sampler';
import { Trainer } from '../train/trainer';
import { createQuantizer } from './create-quantizer';
import { GumbelQuantizer, gumbelNoise } from './gumbel';
import { SoftVectorQuantizer } from './soft-vq';
import { temperatureAt } from './temperature-schedule';

const N = 20;
const D = 4;
const K = 7;

function randn(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.normal());
}

/** softmax(−‖z − e_k‖²/τ)·E per row, in float64. */
function softMixJs(z: number[], cb: number[], tau: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const d = Array.from({ length: K }, (_, k) => {
      let s = 0;
      for (let j = 0; j < D; j++) s += (z[i * D + j]! - cb[k * D + j]!) ** 2;
      return -s / tau;
    });
    const m = Math.max(...d);
    const e = d.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < D; j++) out.push(e.reduce((acc, w, k) => acc + (w / sum) * cb[k * D + j]!, 0));
  }
  return out;
}

beforeAll(async () => {
  // initBackend registers the training kernels wasm lacks.
  await initBackend({ prefer: ['wasm'] });
});

describe('soft VQ', () => {
  it('trains on the softmax mix of codes, infers with the hard argmin; τ → 0 tends to the hard code', async () => {
    const rng = new Rng(4);
    const z = randn(rng, N * D);
    const cb = randn(rng, K * D);
    const q = new SoftVectorQuantizer({ dim: D, codebookSize: K, temperature: 0.7 });
    const cbT = tf.tensor2d(cb, [K, D]);
    q.loadState({ 'embedding.weight': cbT });
    const zT = tf.tensor2d(z, [N, D]);
    const before = tf.memory().numTensors;
    const train = q.quantize(zT, { training: true });
    const soft = Array.from(await train.quantized.data());
    const want = softMixJs(z, cb, 0.7);
    expect(Math.max(...soft.map((v, i) => Math.abs(v - want[i]!)))).toBeLessThan(1e-4);
    const infer = q.quantize(zT, { training: false });
    const ids = Array.from(await infer.indices.data());
    // The training ids are the hard ones too (the usage metrics count what inference gives).
    expect(Array.from(await train.indices.data())).toEqual(ids);
    const hard = Array.from(await infer.quantized.data());
    for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) expect(hard[i * D + j]).toBeCloseTo(cb[ids[i]! * D + j]!, 6);
    // Soft differs from hard at τ = 0.7 and agrees at τ = 1e-4.
    expect(Math.max(...soft.map((v, i) => Math.abs(v - hard[i]!)))).toBeGreaterThan(1e-2);
    q.setTemperature(1e-4);
    const cold = q.quantize(zT, { training: true });
    const coldV = Array.from(await cold.quantized.data());
    expect(Math.max(...coldV.map((v, i) => Math.abs(v - hard[i]!)))).toBeLessThan(1e-4);
    tf.dispose([train.quantized, train.indices, train.loss, ...Object.values(train.lossParts)]);
    tf.dispose([infer.quantized, infer.indices, infer.loss, ...Object.values(infer.lossParts)]);
    tf.dispose([cold.quantized, cold.indices, cold.loss, ...Object.values(cold.lossParts)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([cbT, zT]);
    q.dispose();
    expect(() => q.setTemperature(0)).toThrow(/temperature must be a positive number/);
  });
});

describe('Gumbel VQ', () => {
  it('hardens at inference to argmax of the projected logits; a hard training sample is a code row', async () => {
    const q = new GumbelQuantizer({ dim: D, codebookSize: K, seed: 3 });
    const rng = new Rng(9);
    const z = randn(rng, N * D);
    const zT = tf.tensor2d(z, [N, D]);
    const s = q.state();
    const w = Array.from(await s['proj.weight']!.data());
    const b = Array.from(await s['proj.bias']!.data());
    const e = Array.from(await s['embedding.weight']!.data());
    expect(s['proj.weight']!.shape).toEqual([K, D, 1, 1]);
    const argmaxJs = Array.from({ length: N }, (_, i) => {
      const l = Array.from({ length: K }, (_, k) => b[k]! + Array.from({ length: D }, (_, j) => w[k * D + j]! * z[i * D + j]!).reduce((x, y) => x + y, 0));
      return l.indexOf(Math.max(...l));
    });
    const inf = q.quantize(zT, { training: false });
    expect(Array.from(await inf.indices.data())).toEqual(argmaxJs);
    const fast = tf.tidy(() => q.nearestCodes(zT).indices);
    expect(Array.from(await fast.data())).toEqual(argmaxJs);
    const tr = q.quantize(zT, { training: true });
    const rows = Array.from(await tr.quantized.data());
    // Each training row is one code row exactly (the straight-through hard sample)…
    const sampled = Array.from({ length: N }, (_, i) => {
      const k = Array.from({ length: K }, (_, c) => c).find((c) => Array.from({ length: D }, (_, j) => Math.abs(rows[i * D + j]! - e[c * D + j]!)).every((d) => d < 1e-5));
      expect(k, `row ${i} is a code row`).toBeDefined();
      return k!;
    });
    // …drawn with noise: some differ from the noise-free argmax at τ = 1, while the ids the
    // metrics count are the noise-free argmax, the tokens inference gives.
    expect(sampled.some((id, i) => id !== argmaxJs[i])).toBe(true);
    expect(Array.from(await tr.indices.data())).toEqual(argmaxJs);
    const kl = (await tr.lossParts.kl!.data())[0]!;
    expect(kl).toBeGreaterThanOrEqual(-1e-6); // KL(q ‖ uniform) ≥ 0
    tf.dispose([zT, fast, inf.quantized, inf.indices, inf.loss, tr.quantized, tr.indices, tr.loss, ...Object.values(inf.lossParts), ...Object.values(tr.lossParts)]);
    q.dispose();
  });

  it('refuses, by name, what it cannot honour', () => {
    expect(() => createQuantizer({ kind: 'vq', codebookSize: 8, assignment: 'gumbel', ema: true }, 4, 0)).toThrow(/ema is not available/);
    expect(() => createQuantizer({ kind: 'vq', codebookSize: 8, assignment: 'gumbel', cosine: true }, 4, 0)).toThrow(/cosine/);
    expect(() => createQuantizer({ kind: 'vq', codebookSize: 8, assignment: 'soft', klWeight: 1 }, 4, 0)).toThrow(/klWeight applies to assignment 'gumbel'/);
    const g = createQuantizer({ kind: 'vq', codebookSize: 8, assignment: 'gumbel', gumbelHard: false, klWeight: 0.01 }, 4, 0);
    expect(g).toBeInstanceOf(GumbelQuantizer);
    expect((g as GumbelQuantizer).hard).toBe(false);
    g.dispose();
    const t = tf.tensor2d([1, 2], [1, 2]);
    const g2 = new GumbelQuantizer({ dim: 4, codebookSize: 8 });
    expect(() => g2.loadState({ 'proj.weight': t, 'proj.bias': t, 'embedding.weight': t })).toThrow(/"proj.weight" has shape \[1, 2\], expected \[8, 4, 1, 1\]/);
    g2.dispose();
    t.dispose();
  });
});

describe('training with a relaxed assignment', () => {
  const seq = createProceduralSequence({ seed: 3, frames: 6, size: 32 });
  const cfg = (assignment: 'soft' | 'gumbel'): TrainConfig => ({
    model: { inChannels: seq.channels, hidden: 8, latentDim: 4, stages: 2 },
    quantizer: { kind: 'vq', codebookSize: 16, assignment, temperature: { start: 2, end: 0.1, steps: 4, schedule: 'linear' }, gapEvery: 2 },
    learningRate: 3e-3,
    steps: 6,
    batchSize: 2,
    crop: 16,
    seed: 1,
    checkpointEvery: 0,
  });

  for (const assignment of ['soft', 'gumbel'] as const) {
    it(`${assignment}: τ follows the schedule, the gap is measured when due, health matches the ids, no leaks`, async () => {
      const c = cfg(assignment);
      const tok = new Tokenizer(c, seq.encoding);
      const trainer = new Trainer(tok, c);
      const sampler = new BatchSampler(seq, 2, 16, 5, 2);
      const metrics = [];
      let tensors = 0;
      for (let i = 0; i < 6; i++) {
        const batch = await sampler.next();
        if (i === 0) {
          // Training ids are the hard ones of the pre-step weights: what encode gives.
          const x = tf.tensor4d(batch.data, batch.shape);
          const enc = tok.encode(x);
          const ids = Array.from(await enc.indices.data());
          tf.dispose([x, enc.indices, enc.quantError]);
          const m = await trainer.trainStep(batch);
          expect(m.utilization).toBeCloseTo(new Set(ids).size / 16, 10);
          metrics.push(m);
          continue;
        }
        metrics.push(await trainer.trainStep(batch));
        if (i === 1) tensors = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(tensors);
      metrics.forEach((m, i) => expect(m.temperature).toBeCloseTo(temperatureAt(c.quantizer.temperature!, i, 6), 12));
      expect(metrics[5]!.temperature).toBe(0.1);
      // Measured at steps 1, 2, 4, 6; carried between.
      expect(metrics.map((m) => m.softHardGapStep)).toEqual([1, 2, 2, 4, 4, 6]);
      for (const m of metrics) expect(Number.isFinite(m.softHardGap)).toBe(true);
      expect(new Set(metrics.map((m) => m.softHardGap)).size).toBe(4);
      // Health from the window's ids: utilization = used / K, perplexity = exp(entropy of usage).
      const usage = trainer.usageHistogram()!;
      const total = usage.reduce((a, b) => a + b, 0);
      const used = usage.filter((v) => v > 0).length;
      const H = -Array.from(usage).reduce((s, v) => (v > 0 ? s + (v / total) * Math.log(v / total) : s), 0);
      expect(metrics[5]!.utilization).toBeCloseTo(used / 16, 10);
      expect(metrics[5]!.perplexity).toBeCloseTo(Math.exp(H), 4);
      expect(metrics[5]!.deadCodes).toBe(16 - used);
      trainer.dispose();
      tok.dispose();
    });
  }
});

describe('Gumbel noise', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('stays finite at draws float32 rounds to 0 or to 1 (u = 1 made the noise +∞ and a run NaN)', async () => {
    const u = tf.tensor2d([[0, 1e-12, 0.5, 1 - 2 ** -24, 1]], [1, 5]);
    const g = gumbelNoise(u);
    const v = Array.from(await g.data());
    expect(v.every(Number.isFinite)).toBe(true);
    // −log(−log 0.5) as it is; the ends clamped, the upper one to the largest float32 below 1.
    expect(v[2]).toBeCloseTo(-Math.log(-Math.log(0.5)), 5);
    expect(v[4]).toBeCloseTo(v[3]!, 5);
    tf.dispose([u, g]);
  });
});
