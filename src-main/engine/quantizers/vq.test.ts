/** VQ options on small data (wasm): training, k-means init, dead-code reseeding, cosine, entropy. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import { useWasmBackend } from './test-backend';
import { createQuantizer } from './create-quantizer';
import type { Quantizer, ResumableQuantizer } from './quantizer';
import { VectorQuantizer } from './vq';

beforeAll(useWasmBackend);

/** n points around each of the given centres (σ = noise), shuffled by a seeded Rng. */
function clustered(centres: number[][], n: number, noise: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  for (const c of centres) for (let i = 0; i < n; i++) rows.push(c.map((v) => v + noise * rng.normal()));
  for (let i = rows.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  return tf.tensor2d(rows);
}

async function rows(t: tf.Tensor): Promise<number[][]> {
  return (await t.array()) as number[][];
}

const dist2 = (a: number[], b: number[]) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);

const CENTRES = [
  [2, 0, 0, 0],
  [-2, 0, 0, 0],
  [0, 2, 0, 0],
  [0, 0, -2, 1],
];

describe('VectorQuantizer', () => {
  it('trains its codebook with the optimiser: the quantization loss falls and unused codes get no gradient', async () => {
    const vq = new VectorQuantizer({ dim: 4, codebookSize: 8, beta: 0.25, seed: 3 });
    const x = clustered(CENTRES, 16, 0.05, 1);
    const opt = tf.train.adam(0.05);
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      const { value, grads } = tf.variableGrads(() => vq.quantize(x, { training: true }).loss, vq.trainableVariables());
      if (step === 0) {
        // Gradient rows of codes that no latent picked are exactly zero (oneHotᵀ·dy).
        const r = vq.quantize(x, { training: false });
        const used = new Set(await r.indices.data());
        const g = await rows(Object.values(grads)[0]!);
        for (let k = 0; k < 8; k++) if (!used.has(k)) expect(g[k]!.every((v) => v === 0)).toBe(true);
        expect(used.size).toBeGreaterThan(0);
        tf.dispose([r.quantized, r.indices, r.loss, ...Object.values(r.lossParts)]);
      }
      opt.applyGradients(grads as Parameters<typeof opt.applyGradients>[0]);
      losses.push((await value.data())[0]!);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.2);
    opt.dispose();
    x.dispose();
    vq.dispose();
  });

  it('k-means init from the first training batch puts a code on every cluster', async () => {
    const vq = new VectorQuantizer({ dim: 4, codebookSize: 8, kmeansInit: true, ema: true, seed: 11 });
    const x = clustered(CENTRES, 32, 0.05, 2);
    const r = vq.quantize(x, { training: true });
    const cb = await rows(vq.codebook());
    for (const c of CENTRES) expect(Math.min(...cb.map((k) => dist2(k, c)))).toBeLessThan(0.05);
    // The EMA counts start from the cluster sizes.
    const cs = Array.from(await vq.state().cluster_size!.data());
    expect(cs.reduce((a, b) => a + b, 0)).toBe(128);
    tf.dispose([x, r.quantized, r.indices, r.loss, ...Object.values(r.lossParts)]);
    vq.dispose();
  });

  it('reseeds dead codes from random recent latents', async () => {
    // Every latent sits near one point: most codes are never picked and their EMA count decays.
    const vq = new VectorQuantizer({ dim: 4, codebookSize: 8, ema: true, decay: 0.5, deadCodeThreshold: 1, reseed: 'random', seed: 5 });
    const x = clustered([[1, 1, 1, 1]], 32, 0.1, 3);
    const xs = await rows(x);
    const r = vq.quantize(x, { training: true });
    const used = new Set(await r.indices.data());
    vq.afterStep(x, r.indices);
    const cb = await rows(vq.codebook());
    const cs = Array.from(await vq.state().cluster_size!.data());
    // Unused codes had count 0.5·1 < 1: each is now a copy of some latent, its count reset to 1.
    const dead = [...Array(8).keys()].filter((k) => !used.has(k));
    expect(dead.length).toBeGreaterThan(4);
    for (const k of dead) {
      expect(Math.min(...xs.map((v) => dist2(v, cb[k]!)))).toBeLessThan(1e-10);
      expect(cs[k]).toBe(1);
    }
    // Not all the same latent: picks are random.
    expect(new Set(dead.map((k) => cb[k]!.join(','))).size).toBeGreaterThan(1);
    tf.dispose([x, r.quantized, r.indices, r.loss, ...Object.values(r.lossParts)]);
    vq.dispose();
  });

  it('reseeds dead codes from the latents with the largest quantization error, largest first', async () => {
    const vq = new VectorQuantizer({ dim: 2, codebookSize: 4, decay: 0.5, deadCodeThreshold: 0.5, reseed: 'largest-error', seed: 9 });
    const init = tf.tensor2d([0, 0, 100, 100, 200, 200, -100, 300], [4, 2]);
    vq.loadState({ 'embedding.weight': init, cluster_size: tf.tensor1d([1, 0, 0, 0]) });
    // All latents pick code 0; errors grow along the list, the last two are the worst.
    const x = tf.tensor2d([0.1, 0, 0.5, 0, 3, 0, 5, 0], [4, 2]);
    const r = vq.quantize(x, { training: true });
    expect(Array.from(await r.indices.data())).toEqual([0, 0, 0, 0]);
    vq.afterStep(x, r.indices);
    const cb = await rows(vq.codebook());
    expect(cb[0]).toEqual([0, 0]); // counts 0.5·1 + 0.5·4 = 2.5: alive, not EMA (trained codebook)
    expect(cb[1]).toEqual([5, 0]);
    expect(cb[2]).toEqual([3, 0]);
    expect(cb[3]).toEqual([0.5, 0]);
    tf.dispose([init, x, r.quantized, r.indices, r.loss, ...Object.values(r.lossParts)]);
    vq.dispose();
  });

  it('cosine codebook: codes and outputs lie on the unit sphere, EMA keeps them there', async () => {
    const vq = new VectorQuantizer({ dim: 4, codebookSize: 6, cosine: true, ema: true, seed: 4 });
    const x = clustered(CENTRES, 8, 0.1, 4);
    const r = vq.quantize(x, { training: true });
    vq.afterStep(x, r.indices);
    for (const t of [r.quantized, vq.codebook()]) {
      for (const row of await rows(t)) expect(Math.abs(Math.hypot(...row) - 1)).toBeLessThan(1e-5);
    }
    tf.dispose([x, r.quantized, r.indices, r.loss, ...Object.values(r.lossParts)]);
    vq.dispose();
  });

  it('entropy regulariser: reported, and it reaches codes no latent picked', async () => {
    const vq = new VectorQuantizer({ dim: 4, codebookSize: 8, entropyWeight: 0.5, entropyTemperature: 1, seed: 6 });
    const x = clustered([[1, 0, 0, 0]], 16, 0.1, 5);
    const r = vq.quantize(x, { training: true });
    expect(Object.keys(r.lossParts).sort()).toEqual(['codebook', 'commitment', 'entropy']);
    const used = new Set(await r.indices.data());
    const { grads, value } = tf.variableGrads(() => vq.quantize(x, { training: true }).loss, vq.trainableVariables());
    const g = await rows(Object.values(grads)[0]!);
    const unused = [...Array(8).keys()].filter((k) => !used.has(k));
    expect(unused.length).toBeGreaterThan(0);
    expect(unused.some((k) => g[k]!.some((v) => v !== 0))).toBe(true);
    tf.dispose([x, value, ...Object.values(grads), r.quantized, r.indices, r.loss, ...Object.values(r.lossParts)]);
    vq.dispose();
  });

  it('rejects latents of the wrong shape and state of the wrong shape, naming both', () => {
    const vq = new VectorQuantizer({ dim: 4, codebookSize: 8 });
    const z = tf.zeros([3, 5]) as tf.Tensor2D;
    expect(() => vq.quantize(z, { training: false })).toThrow('vq: expected latents [N, 4], got [3, 5]');
    const bad = tf.zeros([8, 3]);
    expect(() => vq.loadState({ 'embedding.weight': bad })).toThrow('vq: state "embedding.weight" has shape [8, 3], expected [8, 4]');
    tf.dispose([z, bad]);
    vq.dispose();
  });

  for (const kind of ['vq', 'rvq', 'gvq'] as const) {
    it(`${kind}: state() + resumeState() restore a run exactly (random reseeding, k-means, EMA)`, async () => {
      const cfg = { kind, codebookSize: 8, depth: 2, ema: true, kmeansInit: true, deadCodeThreshold: 1.5, reseed: 'random' as const };
      const batches = [0, 1, 2, 3, 4].map((i) => clustered(CENTRES, 6, 0.3, 20 + i));
      const step = (q: Quantizer, x: tf.Tensor2D) => {
        const r = q.quantize(x, { training: true });
        q.afterStep!(x, r.indices);
        tf.dispose([r.quantized, r.indices, r.loss, ...Object.values(r.lossParts)]);
      };
      const a = createQuantizer(cfg, 4, 1);
      for (const x of batches.slice(0, 3)) step(a, x);
      const b = createQuantizer(cfg, 4, 99); // another seed: everything must come from the saved state
      const c = createQuantizer(cfg, 4, 99); // weights only, no resume state: diverges
      const st = a.state();
      b.loadState(st);
      c.loadState(st);
      (b as unknown as ResumableQuantizer).restoreResumeState(await (a as unknown as ResumableQuantizer).resumeState());
      for (const x of batches.slice(3)) {
        step(a, x);
        step(b, x);
        step(c, x);
      }
      const [ca, cb, cc] = [a.codebook()!, b.codebook()!, c.codebook()!];
      expect(Array.from(await cb.data())).toEqual(Array.from(await ca.data()));
      expect(Array.from(await cc.data())).not.toEqual(Array.from(await ca.data()));
      cc.dispose();
      c.dispose();
      for (const [k, v] of Object.entries(a.state())) expect(Array.from(await b.state()[k]!.data())).toEqual(Array.from(await v.data()));
      tf.dispose([ca, cb, ...batches]);
      a.dispose();
      b.dispose();
    });
  }
});
