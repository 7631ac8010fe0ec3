import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend';
import { Tokenizer } from './tokenizer';
import type { TrainConfig } from '../contract';
import type { FrameEncoding } from '../data/frame';

const cfg = (over: Partial<TrainConfig['model']> = {}, q: TrainConfig['quantizer'] = { kind: 'vq', codebookSize: 16 }): TrainConfig => ({
  model: { inChannels: 3, hidden: 8, latentDim: 4, stages: 2, ...over },
  quantizer: q,
  learningRate: 1e-3,
  steps: 1,
  batchSize: 1,
  crop: 0,
  seed: 1,
  checkpointEvery: 0,
});
const continuous: FrameEncoding = { kind: 'continuous' };

describe('Tokenizer', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('exports PyTorch names and layouts, counting ReLUs in the nn.Sequential indices', () => {
    const tok = new Tokenizer(cfg(), continuous);
    const sd = tok.stateDict();
    const shapes = Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.shape]));
    expect(shapes).toEqual({
      'encoder.net.0.weight': [8, 3, 4, 4],
      'encoder.net.0.bias': [8],
      'encoder.net.2.weight': [8, 8, 4, 4],
      'encoder.net.2.bias': [8],
      'encoder.net.4.weight': [4, 8, 3, 3],
      'encoder.net.4.bias': [4],
      'decoder.net.0.weight': [4, 8, 4, 4],
      'decoder.net.0.bias': [8],
      'decoder.net.2.weight': [8, 8, 4, 4],
      'decoder.net.2.bias': [8],
      'decoder.net.4.weight': [8, 3, 3, 3],
      'decoder.net.4.bias': [3],
      'quantizer.embedding.weight': [16, 4],
      'quantizer.cluster_size': [16],
      'quantizer.embed_avg': [16, 4],
    });
    tf.dispose(Object.values(sd));
    tok.dispose();
  });

  it('uses PyTorch default init bounds (±1/√fan_in) and the seed decides the weights', async () => {
    const a = new Tokenizer(cfg(), continuous);
    const b = new Tokenizer(cfg(), continuous);
    const c = new Tokenizer({ ...cfg(), seed: 2 }, continuous);
    const [wa, wb, wc, wd] = await Promise.all([
      a.encoder.weights[0]!.data(),
      b.encoder.weights[0]!.data(),
      c.encoder.weights[0]!.data(),
      a.decoder.weights[0]!.data(),
    ]);
    expect(Array.from(wa)).toEqual(Array.from(wb));
    expect(Array.from(wa)).not.toEqual(Array.from(wc));
    const maxAbs = (x: ArrayLike<number>) => Math.max(...Array.from(x, Math.abs));
    expect(maxAbs(wa)).toBeLessThanOrEqual(1 / Math.sqrt(3 * 16));
    expect(maxAbs(wa)).toBeGreaterThan(0.8 / Math.sqrt(3 * 16));
    // ConvTranspose2d: fan_in is weight.size(1)·k² = out·k² = 8·16.
    expect(maxAbs(wd)).toBeLessThanOrEqual(1 / Math.sqrt(8 * 16));
    for (const t of [a, b, c]) t.dispose();
  });

  it('round-trips a state dict into a fresh tokenizer with identical outputs', async () => {
    const a = new Tokenizer(cfg({ stages: 3 }), continuous);
    const b = new Tokenizer({ ...cfg({ stages: 3 }), seed: 5 }, continuous);
    const x = tf.randomUniform([2, 3, 16, 24], 0, 1, 'float32', 3);
    const sd = a.stateDict();
    b.loadStateDict(sd);
    const ea = a.encode(x);
    const eb = b.encode(x);
    expect(ea.indices.shape).toEqual([2, 2, 3]);
    expect(ea.quantError.shape).toEqual([2, 2, 3]);
    expect(Array.from(await ea.indices.data())).toEqual(Array.from(await eb.indices.data()));
    const ra = a.reconstruct(x);
    const rb = b.reconstruct(x);
    expect(ra.shape).toEqual([2, 3, 16, 24]);
    expect(Array.from(await ra.data())).toEqual(Array.from(await rb.data()));
    tf.dispose([x, ea.indices, ea.quantError, eb.indices, eb.quantError, ra, rb, ...Object.values(sd)]);
    a.dispose();
    b.dispose();
  });

  it('rejects a mismatched state dict with a clear error and changes nothing', async () => {
    const a = new Tokenizer(cfg(), continuous);
    const before = await a.encoder.weights[0]!.data();
    const sd = a.stateDict();
    const wrong = { ...sd, 'decoder.net.4.weight': tf.zeros([8, 5, 3, 3]), 'encoder.net.0.weight': tf.ones([8, 3, 4, 4]) };
    expect(() => a.loadStateDict(wrong, 'model.safetensors')).toThrow(
      'model.safetensors: decoder.net.4.weight is [8, 5, 3, 3] but the model needs [8, 3, 3, 3]',
    );
    expect(Array.from(await a.encoder.weights[0]!.data())).toEqual(Array.from(before));
    const missing = { ...sd };
    delete (missing as Record<string, tf.Tensor>)['encoder.net.2.bias'];
    expect(() => a.loadStateDict(missing)).toThrow(/encoder\.net\.2\.bias is missing \(expected \[8\]\)/);
    expect(() => a.loadStateDict({ ...sd, 'encoder.net.6.weight': tf.zeros([1]) })).toThrow(/encoder\.net\.6\.weight are not part of the configured model/);
    tf.dispose([...Object.values(sd), wrong['decoder.net.4.weight'], wrong['encoder.net.0.weight']]);
    a.dispose();
  });

  it('gives one clear error for frames of the wrong shape', () => {
    const a = new Tokenizer(cfg(), continuous);
    const x = tf.zeros([1, 3, 18, 16]);
    expect(() => a.encode(x)).toThrow('tokenizer: frame size 18×16 is not a multiple of the downsampling factor 4');
    const y = tf.zeros([1, 2, 16, 16]);
    expect(() => a.encode(y)).toThrow('tokenizer: frames have 2 channels but the model takes 3');
    expect(() => new Tokenizer(cfg({ inChannels: 5 }), { kind: 'classes', numClasses: 3, groups: 2, palette: [] })).toThrow(/have 6 channels/);
    tf.dispose([x, y]);
    a.dispose();
  });

  it('decodes residual token grids [B, h, w, depth] and checks their shape', async () => {
    const a = new Tokenizer(cfg({}, { kind: 'rvq', codebookSize: 8, depth: 3 }), continuous);
    const ids = tf.tensor4d(new Int32Array(2 * 4 * 4 * 3).map((_, i) => i % 8), [2, 4, 4, 3], 'int32');
    const out = a.decodeIndices(ids);
    expect(out.shape).toEqual([2, 3, 16, 16]);
    const flat = tf.zeros([2, 4, 4], 'int32');
    expect(() => a.decodeIndices(flat)).toThrow('tokenizer: expected token ids [B, h, w, 3], got [2, 4, 4]');
    tf.dispose([ids, out, flat]);
    a.dispose();
  });

  it('class frames: the training loss is a per-cell cross-entropy over each group\'s classes', async () => {
    const enc: FrameEncoding = { kind: 'classes', numClasses: 3, groups: 2, palette: [] };
    const a = new Tokenizer(cfg({ inChannels: 6 }), enc);
    // One-hot target: every cell class 1 in group 0 and class 2 in group 1.
    const x = tf.tidy(() => {
      const onehot = tf.tensor1d([0, 1, 0, 0, 0, 1]).reshape([1, 6, 1, 1]);
      return tf.tile(onehot, [1, 1, 8, 8]) as tf.Tensor4D;
    });
    const [loss, manual] = tf.tidy(() => {
      const xN = a.toNhwc(x);
      const r = a.forwardTrain(xN);
      const logits = r.out.reshape([-1, 2, 3]);
      const lsm = tf.logSoftmax(logits);
      const ce = tf.neg(tf.mean(tf.add(lsm.slice([0, 0, 1], [-1, 1, 1]), lsm.slice([0, 1, 2], [-1, 1, 1])).div(2)));
      return [r.reconLoss, ce];
    });
    expect((await loss.data())[0]).toBeCloseTo((await manual.data())[0]!, 5);
    tf.dispose([x, loss, manual]);
    a.dispose();
  });
});

describe('Tokenizer.encode fast path (plain VQ)', () => {
  it('gives the same ids and errors as the generic quantize() path', async () => {
    await initBackend({ prefer: ['wasm'] });
    const a = new Tokenizer({ ...cfg({ latentDim: 8 }), quantizer: { kind: 'vq', codebookSize: 64 } }, continuous);
    const q = a.quantizer;
    const x = tf.randomUniform([3, 3, 16, 16], -1, 1, 'float32', 5);
    const fast = a.encode(x);
    const [ids, err] = tf.tidy(() => {
      const z = a.latents(a.toNhwc(x)).reshape([-1, 8]) as tf.Tensor2D;
      const r = q.quantize(z, { training: false });
      return [tf.cast(r.indices, 'int32'), tf.sum(tf.squaredDifference(z, r.quantized), -1)];
    });
    expect(Array.from(await fast.indices.data())).toEqual(Array.from(await ids!.data()));
    const e1 = await fast.quantError.data();
    const e2 = await err!.data();
    let d = 0;
    for (let i = 0; i < e1.length; i++) d = Math.max(d, Math.abs(e1[i]! - e2[i]!));
    expect(d).toBeLessThan(1e-5);
    tf.dispose([x, fast.indices, fast.quantError, ids!, err!]);
    a.dispose();
  });
});

describe('Quantizer.nearestCodes (the optional inference shortcut the Tokenizer uses)', () => {
  it('plain VQ offers it, cosine VQ declines (null), FSQ has none: the Tokenizer falls back to quantize()', async () => {
    await initBackend({ prefer: ['wasm'] });
    const plain = new Tokenizer(cfg(), continuous);
    const cosine = new Tokenizer(cfg({}, { kind: 'vq', codebookSize: 16, cosine: true }), continuous);
    const fsq = new Tokenizer(cfg({}, { kind: 'fsq', levels: [3, 3, 3, 3] }), continuous);
    const z = tf.randomNormal([5, 4], 0, 1, 'float32', 2) as tf.Tensor2D;
    const r = tf.tidy(() => {
      const n = plain.quantizer.nearestCodes?.(z);
      expect(n).toBeTruthy();
      expect(cosine.quantizer.nearestCodes?.(z)).toBeNull();
      expect(fsq.quantizer.nearestCodes).toBeUndefined();
      return [n!.indices, n!.error];
    });
    expect(r[0]!.shape).toEqual([5]);
    expect(r[0]!.dtype).toBe('int32');
    const x = tf.randomUniform([1, 3, 8, 8], -1, 1, 'float32', 3);
    const e = cosine.encode(x);
    expect(e.indices.shape).toEqual([1, 2, 2]);
    tf.dispose([z, x, e.indices, e.quantError, ...r]);
    [plain, cosine, fsq].forEach((t) => t.dispose());
  });
});
