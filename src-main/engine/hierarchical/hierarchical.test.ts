import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { Trainer } from '../train/trainer';
import type { TrainConfig } from '../../contract';
import type { FrameEncoding } from '../../data/frame';
import { joinLevels, splitLevels } from './hier-levels';

const cfg = (over: Partial<TrainConfig['model']> = {}, q: TrainConfig['quantizer'] = { kind: 'vq', codebookSize: 16 }): TrainConfig => ({
  model: { inChannels: 3, hidden: 8, latentDim: 4, stages: 2, arch: 'hierarchical', ...over },
  quantizer: q,
  learningRate: 3e-3,
  steps: 40,
  batchSize: 2,
  crop: 0,
  seed: 3,
  checkpointEvery: 0,
});
const continuous: FrameEncoding = { kind: 'continuous' };

/** Smooth frames with structure at both scales (a coarse ramp plus a fine checker). */
function frames(b: number, h = 16, w = 16): tf.Tensor4D {
  const v = new Float32Array(b * 3 * h * w);
  for (let i = 0; i < b; i++) for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    v[((i * 3 + c) * h + y) * w + x] = Math.sin((x + 2 * i) / 5 + c) * 0.5 + (((x >> 2) + (y >> 2)) % 2) * 0.5 + y / h;
  }
  return tf.tensor4d(v, [b, 3, h, w]);
}

describe('hierarchical (VQ-VAE-2) tokenizer', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it("has rosinality's modules and two codebooks under PyTorch's names and shapes", () => {
    const tok = new Tokenizer(cfg(), continuous);
    const sd = tok.stateDict();
    const shapes = Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.shape]));
    expect(shapes['enc_b.0.weight']).toEqual([4, 3, 4, 4]);
    expect(shapes['enc_b.4.weight']).toEqual([8, 8, 3, 3]);
    expect(shapes['enc_t.0.weight']).toEqual([4, 8, 4, 4]);
    expect(shapes['quantize_conv_t.0.weight']).toEqual([4, 8, 1, 1]);
    expect(shapes['dec_t.2.weight']).toEqual([8, 4, 4, 4]); // ConvTranspose2d(ch, D): [in, out, k, k]
    expect(shapes['quantize_conv_b.0.weight']).toEqual([4, 4 + 8, 1, 1]);
    expect(shapes['upsample_t.0.weight']).toEqual([4, 4, 4, 4]);
    expect(shapes['dec.0.weight']).toEqual([8, 8, 3, 3]);
    expect(shapes['dec.4.weight']).toEqual([4, 3, 4, 4]);
    expect(shapes['quantizer.top.embedding.weight']).toEqual([16, 4]);
    expect(shapes['quantizer.bottom.embedding.weight']).toEqual([16, 4]);
    tf.dispose(Object.values(sd));
    tok.dispose();
  });

  it('upsamples by repeating each cell over its 2×2 block, and subsampling undoes it', async () => {
    const { upsampleNearest2, subsample2 } = await import('./hier-nets');
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const up = upsampleNearest2(x);
    expect(up.shape).toEqual([1, 4, 4, 2]);
    const u = await up.data();
    // channel 0 of row 0 is 1 1 3 3; of row 3 is 5 5 7 7.
    expect([u[0], u[2], u[4], u[6]]).toEqual([1, 1, 3, 3]);
    expect([u[24], u[26], u[28], u[30]]).toEqual([5, 5, 7, 7]);
    const back = subsample2(up);
    expect(Array.from(await back.data())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    tf.dispose([x, up, back]);
  });

  it('encodes a top grid (8×) and a bottom grid (4×); decoding the ids gives the frame size', async () => {
    const tok = new Tokenizer(cfg(), continuous);
    const x = frames(2, 32, 16);
    const { indices, quantError } = tok.encode(x);
    expect(indices.shape).toEqual([2, 8, 4, 2]);
    const ids = (await indices.data()) as Int32Array;
    const levels = splitLevels(ids, 2, 8, 4);
    expect([levels.top.h, levels.top.w, levels.bottom.h, levels.bottom.w]).toEqual([4, 2, 8, 4]);
    // The top level is one id per 2×2 block of the bottom grid: joining the split gives the ids back.
    expect(Array.from(joinLevels(levels.top.ids, levels.bottom.ids, 2, 8, 4))).toEqual(Array.from(ids));
    const out = tok.decodeIndices(indices);
    expect(out.shape).toEqual([2, 3, 32, 16]);
    tf.dispose([x, indices, quantError, out]);
    tok.dispose();
  });

  it('conditions the bottom on the top: a different top code changes the bottom latent', async () => {
    const tok = new Tokenizer(cfg(), continuous);
    const x = frames(1);
    const nets = tok.nets as import('./hier-nets').HierarchicalNets;
    const [a, b] = tf.tidy(() => {
      const xn = tok.toNhwc(x);
      const base = nets.levels(xn, false).zb;
      // Other top codes (same encoder features) → other bottom latents.
      const cb = nets['quantizer'].top.codebook();
      nets['quantizer'].top.loadState({ 'embedding.weight': tf.add(cb, tf.randomNormal(cb.shape, 0, 1, 'float32', 5)) });
      return [tf.keep(base), tf.keep(nets.levels(xn, false).zb)];
    });
    const diff = (await tf.max(tf.abs(tf.sub(a, b))).data())[0]!;
    expect(diff).toBeGreaterThan(1e-4);
    tf.dispose([x, a, b]);
    tok.dispose();
  });

  it('refuses what VQ-VAE-2 does not define, with a clear error', () => {
    expect(() => new Tokenizer(cfg({ stages: 3 }), continuous)).toThrow(/stages must be 2/);
    expect(() => new Tokenizer(cfg({ hidden: 7 }), continuous)).toThrow(/must be even/);
    expect(() => new Tokenizer(cfg({}, { kind: 'fsq', levels: [5, 5, 5, 5] }), continuous)).toThrow(/use vq/);
    const tok = new Tokenizer(cfg(), continuous);
    const x = tf.zeros([1, 3, 12, 12]);
    expect(() => tok.encode(x)).toThrow(/multiple of the downsampling factor 8/);
    x.dispose();
    tok.dispose();
  });

  it('trains: the loss falls, both levels use codes, the EMA codebooks move, and no tensor leaks', async () => {
    const tok = new Tokenizer(cfg({}, { kind: 'vq', codebookSize: 16, ema: true }), continuous);
    const trainer = new Trainer(tok);
    const x = frames(2);
    const cb0 = (await tok.quantizer.codebook()!.data()) as Float32Array;
    const first = await trainer.trainStep(x);
    const n0 = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 40; i++) last = await trainer.trainStep(x);
    expect(tf.memory().numTensors).toBe(n0);
    expect(last.reconLoss).toBeLessThan(first.reconLoss * 0.7);
    expect(Object.keys(last.quantLoss)).toEqual(expect.arrayContaining(['top_commitment', 'bottom_commitment']));
    const cbT = tok.quantizer.codebook()!;
    const cb1 = (await cbT.data()) as Float32Array;
    cbT.dispose();
    const K = 16 * 4;
    const moved = (lo: number) => cb1.slice(lo, lo + K).some((v, i) => Math.abs(v - cb0[lo + i]!) > 1e-6);
    expect(moved(0)).toBe(true); // top codebook
    expect(moved(K)).toBe(true); // bottom codebook
    // Per-level health: the window holds both levels.
    expect(trainer.health.usage(0)!.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(trainer.health.usage(1)!.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    x.dispose();
    trainer.dispose();
    tok.dispose();
  });

  it('reloads its state dict: the same ids at both levels', async () => {
    const a = new Tokenizer(cfg(), continuous);
    const b = new Tokenizer({ ...cfg(), seed: 9 }, continuous);
    const x = frames(1);
    const sd = a.stateDict();
    b.loadStateDict(sd, 'test');
    const [ia, ib] = [a.encode(x), b.encode(x)];
    expect(Array.from(await ia.indices.data())).toEqual(Array.from(await ib.indices.data()));
    tf.dispose([x, ia.indices, ia.quantError, ib.indices, ib.quantError, ...Object.values(sd)]);
    a.dispose();
    b.dispose();
  });
});
