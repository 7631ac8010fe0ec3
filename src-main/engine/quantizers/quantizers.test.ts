/**
 * LFQ / BSQ / grouped VQ behaviour, createQuantizer's mapping of the contract's config, and the
 * leak test: N training steps (variableGrads + optimiser + afterStep) of every kind leave
 * tf.memory().numTensors where one step left it. All on wasm, small shapes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { QuantizerConfig } from '../../contract';
import { Rng } from '../../util/rng';
import { BinarySphericalQuantizer } from './bsq';
import { createQuantizer } from './create-quantizer';
import { GroupedVectorQuantizer } from './gvq';
import { LookupFreeQuantizer } from './lfq';
import type { Quantizer, QuantizeResult } from './quantizer';
import { maxAbsDiff, useWasmBackend } from './test-backend';

beforeAll(useWasmBackend);

function randn(n: number, d: number, seed: number, scale = 1): tf.Tensor2D {
  const rng = new Rng(seed);
  return tf.tensor2d(Array.from({ length: n * d }, () => scale * rng.normal()), [n, d]);
}

function disposeResult(r: QuantizeResult): void {
  tf.dispose([r.quantized, r.indices, r.loss, ...Object.values(r.lossParts)]);
}

describe('LFQ', () => {
  it('per-sample entropy equals brute force over all 2^D codes; codebook entropy is its factorised upper bound', async () => {
    const D = 3;
    const tau = 0.3; // soft enough that the 1e-5 clamp never bites
    const lfq = new LookupFreeQuantizer({ dim: D, invTemperature: tau, entropyWeight: 1, diversityGamma: 1 });
    const z = randn(5, D, 1);
    const zs = (await z.array()) as number[][];
    const r = lfq.quantize(z, { training: true });
    const ours = (await r.lossParts.entropy!.data())[0]!;
    // Reference: softmax over codes c ∈ {−1,1}^D of 2τ·z·c, per-sample and batch-mean entropy.
    const codes = Array.from({ length: 2 ** D }, (_, k) => Array.from({ length: D }, (_, d) => ((k >> (D - 1 - d)) & 1 ? 1 : -1)));
    const H = (p: number[]) => -p.reduce((s, v) => s + v * Math.log(Math.max(v, 1e-5)), 0);
    const probs = zs.map((row) => {
      const logits = codes.map((c) => 2 * tau * c.reduce((s, v, d) => s + v * row[d]!, 0));
      const m = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - m));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    });
    const perSample = probs.reduce((s, p) => s + H(p), 0) / probs.length;
    const avg = codes.map((_, k) => probs.reduce((s, p) => s + p[k]!, 0) / probs.length);
    const exactCodebook = H(avg);
    const ourCodebook = perSample - ours; // ours = perSample' − codebook'
    expect(Math.abs(ourCodebook + ours - perSample)).toBeLessThan(1e-9);
    // Per-sample part exact: recompute ours' per-sample term from the same formula.
    const pBits = zs.map((row) => row.map((v) => 1 / (1 + Math.exp(-4 * tau * v))));
    const hb = (p: number) => -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
    const perSampleFactorised = pBits.reduce((s, row) => s + row.reduce((a, p) => a + hb(p), 0), 0) / zs.length;
    expect(Math.abs(perSampleFactorised - perSample)).toBeLessThan(1e-6);
    const meanBits = Array.from({ length: D }, (_, d) => pBits.reduce((s, row) => s + row[d]!, 0) / zs.length);
    const codebookFactorised = meanBits.reduce((a, p) => a + hb(p), 0);
    expect(Math.abs(ours - (perSampleFactorised - codebookFactorised))).toBeLessThan(1e-5);
    expect(codebookFactorised).toBeGreaterThanOrEqual(exactCodebook - 1e-6);
    disposeResult(r);
    z.dispose();
    lfq.dispose();
  });

  it('indices put dimension 0 in the most significant bit and decode back', async () => {
    const lfq = new LookupFreeQuantizer({ dim: 4 });
    const z = tf.tensor2d([0.5, -1, -2, 3, -0.1, -0.2, -0.3, -0.4, 1, 1, 1, 1], [3, 4]);
    const r = lfq.quantize(z, { training: false });
    expect(Array.from(await r.indices.data())).toEqual([0b1001, 0, 0b1111]);
    const back = lfq.indicesToCodes(r.indices);
    expect(Array.from(await back.data())).toEqual(Array.from(await r.quantized.data()));
    tf.dispose([z, back]);
    disposeResult(r);
    lfq.dispose();
  });
});

describe('BSQ', () => {
  it('codes are sign(u)/√D on the unit sphere, indices as LFQ’s on the same signs, gradients reach z', async () => {
    const D = 4;
    const bsq = new BinarySphericalQuantizer({ dim: D });
    const z = randn(6, D, 2, 3);
    const r = bsq.quantize(z, { training: false });
    const q = (await r.quantized.array()) as number[][];
    const zs = (await z.array()) as number[][];
    const idx = Array.from(await r.indices.data());
    q.forEach((row, i) => {
      expect(Math.abs(Math.hypot(...row) - 1)).toBeLessThan(1e-6);
      row.forEach((v, d) => expect(v).toBeCloseTo((zs[i]![d]! > 0 ? 1 : -1) / Math.sqrt(D), 6));
      expect(idx[i]).toBe(zs[i]!.reduce((s, v, d) => s + (v > 0 ? 2 ** (D - 1 - d) : 0), 0));
    });
    const back = bsq.indicesToCodes(r.indices);
    expect(maxAbsDiff(await back.data(), await r.quantized.data())).toBe(0);
    const g = tf.grad((x: tf.Tensor) => bsq.quantize(x as tf.Tensor2D, { training: true }).loss)(z);
    expect(Array.from(await g.data()).some((v) => v !== 0 && Number.isFinite(v))).toBe(true);
    tf.dispose([z, back, g]);
    disposeResult(r);
    bsq.dispose();
  });
});

describe('grouped VQ', () => {
  it('each group picks its own nearest code; output is the concatenation; indices [N, G]', async () => {
    const gvq = new GroupedVectorQuantizer({ dim: 4, codebookSize: 3, groups: 2 });
    const cb0 = tf.tensor2d([0, 0, 1, 1, -1, 2], [3, 2]);
    const cb1 = tf.tensor2d([5, 5, -5, 0, 0, 1], [3, 2]);
    gvq.loadState({ 'groups.0.embedding.weight': cb0, 'groups.1.embedding.weight': cb1 });
    const z = tf.tensor2d([0.9, 1.2, 0.1, 0.8, -0.8, 1.5, 4, 4], [2, 4]);
    const r = gvq.quantize(z, { training: false });
    expect(r.indices.shape).toEqual([2, 2]);
    expect(Array.from(await r.indices.data())).toEqual([1, 2, 2, 0]);
    expect(Array.from(await r.quantized.data())).toEqual([1, 1, 0, 1, -1, 2, 5, 5]);
    const back = gvq.indicesToCodes(r.indices);
    expect(Array.from(await back.data())).toEqual([1, 1, 0, 1, -1, 2, 5, 5]);
    expect((gvq.codebook() as tf.Tensor).shape).toEqual([2, 3, 2]);
    tf.dispose([cb0, cb1, z, back]);
    disposeResult(r);
    gvq.dispose();
  });
});

describe('createQuantizer', () => {
  it('builds each kind with the right sizes from the contract’s config', () => {
    const cases: [QuantizerConfig, number, { size: number; depth: number }][] = [
      [{ kind: 'vq', codebookSize: 32 }, 8, { size: 32, depth: 1 }],
      [{ kind: 'fsq', levels: [8, 5, 5, 5] }, 4, { size: 1000, depth: 1 }],
      [{ kind: 'lfq' }, 6, { size: 64, depth: 1 }],
      [{ kind: 'bsq' }, 5, { size: 32, depth: 1 }],
      [{ kind: 'rvq', codebookSize: 16, depth: 3 }, 8, { size: 16, depth: 3 }],
      [{ kind: 'gvq', codebookSize: 16, depth: 4 }, 8, { size: 16, depth: 4 }],
    ];
    for (const [cfg, dim, want] of cases) {
      const q = createQuantizer(cfg, dim, 1);
      expect([q.kind, q.codebookSize, q.depth, q.dim]).toEqual([cfg.kind, want.size, want.depth, dim]);
      q.dispose();
    }
  });

  it('bad configs fail with one clear message', () => {
    expect(() => createQuantizer({ kind: 'fsq' }, 4, 0)).toThrow('fsq: config needs levels');
    expect(() => createQuantizer({ kind: 'fsq', levels: [8, 5, 5] }, 4, 0)).toThrow('latent dim 4 must equal the number of levels (3)');
    expect(() => createQuantizer({ kind: 'lfq', codebookSize: 100 }, 4, 0)).toThrow('must be 2^dim = 16');
    expect(() => createQuantizer({ kind: 'gvq', depth: 3 }, 8, 0)).toThrow('not divisible by 3 groups');
    expect(() => createQuantizer({ kind: 'rvq', cosine: true }, 8, 0)).toThrow('rvq: a cosine codebook');
  });

  it('the same seed gives the same codebook', async () => {
    const a = createQuantizer({ kind: 'vq', codebookSize: 16 }, 4, 42);
    const b = createQuantizer({ kind: 'vq', codebookSize: 16 }, 4, 42);
    const c = createQuantizer({ kind: 'vq', codebookSize: 16 }, 4, 43);
    const [ca, cb, cc] = [a.codebook()!, b.codebook()!, c.codebook()!];
    expect(maxAbsDiff(await ca.data(), await cb.data())).toBe(0);
    expect(maxAbsDiff(await ca.data(), await cc.data())).toBeGreaterThan(0);
    tf.dispose([ca, cb, cc]);
    [a, b, c].forEach((q) => q.dispose());
  });
});

describe('no tensor leaks over training steps', () => {
  const configs: [string, QuantizerConfig, number][] = [
    ['vq', { kind: 'vq', codebookSize: 16, entropyWeight: 0.1, deadCodeThreshold: 0.5, reseed: 'largest-error' }, 8],
    ['vq-ema', { kind: 'vq', codebookSize: 16, ema: true, kmeansInit: true, deadCodeThreshold: 0.5, reseed: 'random' }, 8],
    ['vq-cosine', { kind: 'vq', codebookSize: 16, cosine: true }, 8],
    ['vq-kmeans', { kind: 'vq', codebookSize: 16, kmeansInit: true, entropyWeight: 0.1 }, 8],
    ['gvq-cosine-ema', { kind: 'gvq', codebookSize: 8, depth: 4, cosine: true, ema: true, deadCodeThreshold: 0.5, reseed: 'largest-error' }, 8],
    ['fsq', { kind: 'fsq', levels: [5, 4, 3] }, 3],
    ['lfq', { kind: 'lfq' }, 6],
    ['bsq', { kind: 'bsq' }, 6],
    ['rvq', { kind: 'rvq', codebookSize: 16, depth: 3, ema: true, deadCodeThreshold: 0.5 }, 8],
    ['gvq', { kind: 'gvq', codebookSize: 16, depth: 2, deadCodeThreshold: 0.5, reseed: 'random' }, 8],
  ];
  for (const [name, cfg, dim] of configs) {
    it(`${name}: numTensors after 5 steps equals numTensors after 1, and the loss is finite`, async () => {
      const q = createQuantizer(cfg, dim, 7);
      const x = randn(64, dim, 3);
      // A linear "encoder" so the quantizer's gradient has somewhere to go.
      const w = tf.variable(tf.tidy(() => tf.add(tf.eye(dim), tf.mul(randn(dim, dim, 4), 0.1))));
      const opt = tf.train.adam(0.01);
      const counts: number[] = [];
      let lastLoss = NaN;
      for (let step = 0; step < 5; step++) {
        let z: tf.Tensor2D | null = null;
        let indices: tf.Tensor | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const latent = tf.matMul(x, w) as tf.Tensor2D;
          const r = q.quantize(latent, { training: true });
          z = tf.keep(latent);
          indices = tf.keep(r.indices);
          return tf.add(tf.mean(tf.squaredDifference(r.quantized, x)), r.loss) as tf.Scalar;
        }, [w, ...q.trainableVariables()]);
        opt.applyGradients(grads as Parameters<typeof opt.applyGradients>[0]);
        q.afterStep?.(z!, indices!);
        lastLoss = (await value.data())[0]!;
        tf.dispose([value, ...Object.values(grads), z!, indices!]);
        counts.push(tf.memory().numTensors);
      }
      expect(Number.isFinite(lastLoss)).toBe(true);
      expect(counts.at(-1)).toBe(counts[0]);
      opt.dispose();
      tf.dispose([x, w]);
      q.dispose();
    });
  }
});
