import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import type { TrainConfig } from '../../contract';
import { createProceduralSequence } from '../../data/procedural-scene';
import { Rng } from '../../util/rng';
import { OnnxEncoder } from './onnx-encoder';
import { compareEncodes, withEnginePools } from './test-engine-pools';
import { loadOnnxRuntime } from './onnx-runtime';
import { pickEncodeEngine } from './encode-engine';
import { onnxEncoderUnsupported } from './encoder-graph';
import { ProtoWriter } from './protobuf';

const ort = loadOnnxRuntime();
const skipWhy = 'error' in ort ? `ONNX Runtime absent: ${ort.error}` : '';
const withOrt = skipWhy ? it.skip : it;
if (skipWhy) console.warn(`[skip] onnx-encoder: ${skipWhy}`);

const seq = createProceduralSequence({ seed: 3, frames: 6, size: 32 });

function cfg(over: Partial<TrainConfig> = {}, quantizer: TrainConfig['quantizer'] = { kind: 'vq', codebookSize: 64 }): TrainConfig {
  return {
    model: { inChannels: seq.channels, hidden: 16, latentDim: 8, stages: 2 },
    quantizer,
    learningRate: 1e-3,
    steps: 1,
    batchSize: 2,
    crop: 0,
    seed: 5,
    checkpointEvery: 0,
    ...over,
  };
}

async function frames(n: number): Promise<Float32Array> {
  const per = seq.channels * seq.height * seq.width;
  const out = new Float32Array(n * per);
  for (let i = 0; i < n; i++) out.set((await seq.getFrame(i)).data, i * per);
  return out;
}

/**
 * Where ONNX Runtime and tfjs pick different codes, both codes must be (within float rounding)
 * equally near the latent: the squared distances of the two choices differ by < 1e-5 relative.
 */
async function expectSameCodes(tok: Tokenizer, x: Float32Array, shape: [number, number, number, number], ids: Int32Array, err: Float32Array) {
  const t = tf.tensor4d(x, shape);
  const r = tok.encode(t);
  const ref = (await r.indices.data()) as Int32Array;
  const refErr = (await r.quantError.data()) as Float32Array;
  const differ: number[] = [];
  for (let i = 0; i < ref.length; i++) if (ref[i] !== ids[i]) differ.push(i);
  for (const i of differ) expect(Math.abs(err[i]! - refErr[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, refErr[i]!));
  expect(differ.length).toBeLessThanOrEqual(Math.ceil(ref.length * 0.002));
  for (let i = 0; i < ref.length; i++) expect(Math.abs(err[i]! - refErr[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, refErr[i]!));
  tf.dispose([t, r.indices, r.quantError]);
  return { differ: differ.length, total: ref.length };
}

describe('ONNX encoder (the reference tokenizer on ONNX Runtime)', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('writes protobuf varints as protoc does, negatives as ten-byte two’s complement', () => {
    expect([...new ProtoWriter().varint(1, 300).finish()]).toEqual([0x08, 0xac, 0x02]);
    expect([...new ProtoWriter().varint(2, -1).finish()]).toEqual([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect([...new ProtoWriter().string(3, 'ab').finish()]).toEqual([0x1a, 0x02, 0x61, 0x62]);
    expect(() => new ProtoWriter().varint(1, 1.5)).toThrow('not an integer');
  });

  withOrt('gives the ids and errors of Tokenizer.encode, with and without input normalisation', async () => {
    const C = seq.channels;
    const normalization = { mean: Array.from({ length: C }, (_, i) => 0.1 * i), std: Array.from({ length: C }, (_, i) => 0.5 + 0.1 * i) };
    const rng = new Rng(2);
    const continuous = Float32Array.from({ length: 6 * C * 32 * 32 }, () => rng.range(-1, 2));
    // Class frames (the procedural scene) as they are; continuous frames normalised per channel.
    for (const variant of ['classes', 'normalised'] as const) {
      const tok = variant === 'classes' ? new Tokenizer(cfg(), seq.encoding) : new Tokenizer(cfg({ normalization }), { kind: 'continuous' });
      const enc = await OnnxEncoder.create(tok);
      if ('refused' in enc) throw new Error(enc.refused);
      const shape: [number, number, number, number] = [6, C, seq.height, seq.width];
      const x = variant === 'classes' ? await frames(6) : continuous;
      const before = tf.memory().numTensors;
      const r = await enc.encodeBatch(x, shape);
      expect(tf.memory().numTensors).toBe(before);
      expect(r.ids).toBeInstanceOf(Int32Array);
      expect(r.ids.length).toBe(6 * 8 * 8);
      // The random net spreads the latents over several codes: a test that compares ids means something.
      expect(new Set(r.ids).size).toBeGreaterThan(3);
      await expectSameCodes(tok, x, shape, r.ids, r.error);
      await enc.dispose();
      tok.dispose();
    }
  });

  withOrt('follows new weights (reload); every architecture has a graph, TiTok a fixed frame size', async () => {
    const tok = new Tokenizer(cfg(), seq.encoding);
    const enc = await OnnxEncoder.create(tok);
    if ('refused' in enc) throw new Error(enc.refused);
    const shape: [number, number, number, number] = [2, seq.channels, seq.height, seq.width];
    const x = await frames(2);
    const first = await enc.encodeBatch(x, shape);
    // Other weights: every parameter perturbed.
    const sd = tok.stateDict();
    const rng = new Rng(11);
    const next: Record<string, tf.Tensor> = {};
    for (const [k, t] of Object.entries(sd)) next[k] = tf.add(t, tf.tensor(Float32Array.from({ length: t.size }, () => rng.range(-0.3, 0.3)), t.shape));
    tok.loadStateDict(next, 'test');
    tf.dispose([...Object.values(sd), ...Object.values(next)]);
    await enc.reload(tok);
    const second = await enc.encodeBatch(x, shape);
    expect([...second.ids]).not.toEqual([...first.ids]);
    await expectSameCodes(tok, x, shape, second.ids, second.error);
    await enc.dispose();
    tok.dispose();

    // Every quantizer family has a graph (quantizer-graph.test.ts), and every architecture:
    // reference, OccWorld (occworld-graph.test.ts), hierarchical (hier-graph.test.ts) and TiTok
    // (titok-graph.test.ts). Nothing the config accepts is refused; asked for by name, ONNX
    // Runtime encodes each.
    const baseCfg = cfg();
    const archs: TrainConfig['model'][] = [
      baseCfg.model,
      { ...baseCfg.model, arch: 'hierarchical' },
      { ...baseCfg.model, arch: 'titok', titok: { tokens: 8, gridHeight: 4, gridWidth: 4, layers: 1, heads: 2 } },
    ];
    for (const model of archs) {
      const t = new Tokenizer({ ...baseCfg, model }, seq.encoding);
      expect(onnxEncoderUnsupported(t)).toBeNull();
      const picked = await pickEncodeEngine({ tokenizer: t, backend: { name: 'wasm', reason: '' }, choice: 'onnxruntime' });
      expect(picked.status.name).toBe('onnxruntime');
      // TiTok's graph takes one frame size: another is refused with the tfjs path's words.
      if (model.arch === 'titok') {
        await expect(picked.encoder!.encodeBatch(new Float32Array(seq.channels * 32 * 32), [1, seq.channels, 32, 32])).rejects.toThrow(
          'titok: the model takes 16×16 frames (a 4×4 grid), got 32×32; crop to 16×16',
        );
        const big = tf.zeros([1, seq.channels, 32, 32]);
        expect(() => t.encode(big)).toThrow('titok: the model takes 16×16 frames (a 4×4 grid), got 32×32; crop to 16×16');
        big.dispose();
      }
      await picked.encoder!.dispose();
      t.dispose();
    }
  });

  it('auto: TensorFlow.js when the backend was named or is a GPU', async () => {
    const tok = new Tokenizer(cfg(), seq.encoding);
    const named = await pickEncodeEngine({ tokenizer: tok, backend: { name: 'wasm', reason: '' }, choice: 'auto', backendForced: true });
    expect(named).toEqual({ encoder: null, status: { name: 'tfjs', detail: 'the wasm backend was asked for by name' } });
    const gpu = await pickEncodeEngine({ tokenizer: tok, backend: { name: 'webgpu', reason: '' }, choice: 'auto', backendForced: false });
    expect(gpu.status).toEqual({ name: 'tfjs', detail: 'the webgpu backend runs on a GPU' });
    tok.dispose();
  });

  withOrt('an inference pool encodes with ONNX Runtime in its workers: the tokens of the tfjs pool', async () => {
    const tok = new Tokenizer(cfg(), seq.encoding);
    await withEnginePools(tok, seq.encoding, async (onnxPool, tfjsPool) => {
      expect(onnxPool.encodeEngine?.detail).toMatch(/^ONNX Runtime \d+\.\d+\.\d+ \(CPU\)$/);
      const source = { kind: 'procedural' as const, options: { seed: 3, frames: 6, size: 32 } };
      const a = await onnxPool.encode(source);
      const b = await tfjsPool.encode(source);
      expect(a.frames).toBe(6);
      const differ = compareEncodes(a, b);
      expect(differ).toBeLessThanOrEqual(1);
    });
    tok.dispose();
  });
});
