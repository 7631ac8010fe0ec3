import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import type { TrainConfig } from '../../contract';
import { createProceduralSequence } from '../../data/procedural-scene';
import type { Quantizer } from '../quantizers/quantizer';
import { createQuantizer } from '../quantizers/create-quantizer';
import { fsqConstants } from '../quantizers/fsq';
import { OnnxGraph } from './onnx-graph';
import { OnnxEncoder, PRODUCER } from './onnx-encoder';
import { compareEncodes, withEnginePools } from './test-engine-pools';
import { loadOnnxRuntime, type OrtModule } from './onnx-runtime';
import { quantizerGraphUnsupported, writeQuantizer } from './quantizer-graph';

const ort = loadOnnxRuntime();
const skipWhy = 'error' in ort ? `ONNX Runtime absent: ${ort.error}` : '';
const withOrt = skipWhy ? it.skip : it;
if (skipWhy) console.warn(`[skip] quantizer-graph: ${skipWhy}`);

const seq = createProceduralSequence({ seed: 3, frames: 6, size: 32 });
const FRAMES = 6;

type QCfg = TrainConfig['quantizer'];

function cfg(quantizer: QCfg, latentDim: number): TrainConfig {
  return {
    model: { inChannels: seq.channels, hidden: 16, latentDim, stages: 2 },
    quantizer,
    learningRate: 1e-3,
    steps: 1,
    batchSize: 2,
    crop: 0,
    seed: 5,
    checkpointEvery: 0,
  };
}

async function frames(n: number): Promise<Float32Array> {
  const per = seq.channels * seq.height * seq.width;
  const out = new Float32Array(n * per);
  for (let i = 0; i < n; i++) out.set((await seq.getFrame(i)).data, i * per);
  return out;
}

/**
 * Codebooks fitted to the frames' latents, as the first training step does with k-means init
 * (each level / group / head on what it sees), so that the latents spread over many codes and
 * comparing ids means something; a random ±1/K codebook would map nearly everything to a few.
 */
function fitCodebooks(tok: Tokenizer, x: tf.Tensor4D): void {
  tf.tidy(() => {
    const z4 = tok.latents(tok.toNhwc(x));
    const z = tf.reshape(z4, [-1, z4.shape[3]]) as tf.Tensor2D;
    tok.quantizer.quantize(z, { training: true });
  });
}

/**
 * The random encoder's head rescaled per channel so the frames' latents have mean 0 and std 1
 * (W/σ, (b − μ)/σ): the implicit codebooks (FSQ levels, LFQ bits) and the Gumbel logits then
 * see latents that spread over many codes, as a trained encoder's do, instead of a tight
 * cluster around the random head's bias.
 */
async function standardiseLatents(tok: Tokenizer, x: tf.Tensor4D): Promise<void> {
  const { mean, std } = tf.tidy(() => {
    const z4 = tok.latents(tok.toNhwc(x));
    const m = tf.moments(tf.reshape(z4, [-1, z4.shape[3]]), 0);
    return { mean: m.mean, std: tf.sqrt(tf.add(m.variance, 1e-6)) };
  });
  const mu = (await mean.data()) as Float32Array;
  const sigma = (await std.data()) as Float32Array;
  tf.dispose([mean, std]);
  const enc = tok.encoder;
  const head = `${enc.prefix}.${enc.layers[enc.layers.length - 1]!.index}`;
  const sd = tok.stateDict();
  const w = (await sd[`${head}.weight`]!.data()) as Float32Array;
  const b = (await sd[`${head}.bias`]!.data()) as Float32Array;
  const D = mu.length;
  const per = w.length / D;
  const w2 = Float32Array.from(w, (v, i) => v / sigma[Math.floor(i / per)]!);
  const b2 = Float32Array.from(b, (v, o) => (v - mu[o]!) / sigma[o]!);
  const next = { ...sd, [`${head}.weight`]: tf.tensor(w2, sd[`${head}.weight`]!.shape), [`${head}.bias`]: tf.tensor(b2, sd[`${head}.bias`]!.shape) };
  tok.loadStateDict(next, 'test');
  tf.dispose([...Object.values(sd), next[`${head}.weight`], next[`${head}.bias`]]);
}

interface Family {
  name: string;
  quantizer: QCfg;
  latentDim: number;
  /** Sign / rounding families: ids must be tfjs's exactly. Distance families: near-ties allowed. */
  exact: boolean;
  fit: boolean;
}

const FAMILIES: Family[] = [
  { name: 'cosine VQ', quantizer: { kind: 'vq', codebookSize: 64, cosine: true, kmeansInit: true }, latentDim: 8, exact: false, fit: true },
  { name: 'cosine VQ, EMA', quantizer: { kind: 'vq', codebookSize: 64, cosine: true, ema: true, kmeansInit: true }, latentDim: 8, exact: false, fit: true },
  { name: 'soft VQ', quantizer: { kind: 'vq', codebookSize: 64, assignment: 'soft', kmeansInit: true }, latentDim: 8, exact: false, fit: true },
  { name: 'residual VQ', quantizer: { kind: 'rvq', codebookSize: 32, depth: 3, kmeansInit: true }, latentDim: 8, exact: false, fit: true },
  { name: 'grouped VQ', quantizer: { kind: 'gvq', codebookSize: 32, depth: 2, kmeansInit: true }, latentDim: 8, exact: false, fit: true },
  { name: 'grouped cosine VQ', quantizer: { kind: 'gvq', codebookSize: 32, depth: 2, cosine: true, kmeansInit: true }, latentDim: 8, exact: false, fit: true },
  {
    name: 'multi-head VQ (concat, learned projections)',
    quantizer: { kind: 'mhvq', codebookSize: 32, depth: 2, projection: 'learned', kmeansInit: true },
    latentDim: 8,
    exact: false,
    fit: true,
  },
  {
    name: 'multi-head VQ (sum, learned projections)',
    quantizer: { kind: 'mhvq', codebookSize: 32, depth: 3, compose: 'sum', projection: 'learned', kmeansInit: true },
    latentDim: 8,
    exact: false,
    fit: true,
  },
  { name: 'Gumbel VQ', quantizer: { kind: 'vq', codebookSize: 32, assignment: 'gumbel' }, latentDim: 8, exact: false, fit: false },
  { name: 'FSQ', quantizer: { kind: 'fsq', levels: [8, 5, 5, 5] }, latentDim: 4, exact: true, fit: false },
  { name: 'residual FSQ', quantizer: { kind: 'rfsq', levels: [8, 5, 5], depth: 3 }, latentDim: 3, exact: true, fit: false },
  { name: 'LFQ', quantizer: { kind: 'lfq' }, latentDim: 8, exact: true, fit: false },
  { name: 'BSQ', quantizer: { kind: 'bsq' }, latentDim: 8, exact: true, fit: false },
  { name: 'residual LFQ', quantizer: { kind: 'rlfq', depth: 3 }, latentDim: 6, exact: true, fit: false },
];

/**
 * ONNX ids / errors against `Tokenizer.encode`'s. Exact families: every id equal. Distance
 * families: where an id differs (a near-tie), that cell's errors — the squared distances of the
 * two choices — must be equal to 1e-5 relative, and such cells must be rare. Errors within 1e-4.
 */
function compare(ref: Int32Array, refErr: Float32Array, ids: Int32Array, err: Float32Array, depth: number, exact: boolean): number {
  expect(ids.length).toBe(ref.length);
  expect(err.length).toBe(refErr.length);
  const cells = new Set<number>();
  for (let i = 0; i < ref.length; i++) if (ref[i] !== ids[i]) cells.add(Math.floor(i / depth));
  if (exact) expect(cells.size).toBe(0);
  for (const c of cells) expect(Math.abs(err[c]! - refErr[c]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, refErr[c]!));
  expect(cells.size).toBeLessThanOrEqual(Math.ceil(refErr.length * 0.005));
  for (let i = 0; i < refErr.length; i++) expect(Math.abs(err[i]! - refErr[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, refErr[i]!));
  return cells.size;
}

/** A graph of the quantizer alone: latents `z [N, D, 1, 1]` in, ids and error out. */
async function quantizerSession(rt: OrtModule, q: Quantizer, n: number) {
  const g = new OnnxGraph('quantizer_only');
  g.input('z', 'float', [n, q.dim, 1, 1]);
  const depth = await writeQuantizer(g, q, 'z', { ids: 'ids', error: 'err' });
  g.output('ids', 'int32', depth === 1 ? [n, 1, 1] : [n, 1, 1, depth]);
  g.output('err', 'float', [n, 1, 1]);
  const session = await rt.InferenceSession.create(g.serialize(PRODUCER), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
  });
  return { depth, session };
}

/** The quantizer's own inference on rows `[n, D]`: ids and Σ (z − quantized)², as Tokenizer.encode. */
async function tfjsQuantize(q: Quantizer, z: Float32Array, n: number) {
  const t = tf.tensor2d(z, [n, q.dim]);
  const r = q.quantize(t, { training: false });
  const e = tf.sum(tf.squaredDifference(t, r.quantized), -1);
  const ids = Int32Array.from((await r.indices.data()) as Int32Array);
  const err = Float32Array.from((await e.data()) as Float32Array);
  tf.dispose([t, e, r.quantized, r.indices, r.loss, ...Object.values(r.lossParts)]);
  return { ids, err };
}

describe('ONNX quantizer graphs (each family against its tfjs inference)', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  for (const f of FAMILIES) {
    withOrt(`${f.name}: OnnxEncoder gives Tokenizer.encode's ids${f.exact ? ' exactly' : ' (near-ties only)'} and errors`, async () => {
      const tok = new Tokenizer(cfg(f.quantizer, f.latentDim), seq.encoding);
      const shape: [number, number, number, number] = [FRAMES, seq.channels, seq.height, seq.width];
      const data = await frames(FRAMES);
      const x = tf.tensor4d(data, shape);
      if (f.fit) fitCodebooks(tok, x);
      else await standardiseLatents(tok, x);
      expect(quantizerGraphUnsupported(tok.quantizer)).toBeNull();
      // Writing the graph reads the weights and codebooks without leaking a tensor.
      const atStart = tf.memory().numTensors;
      const enc = await OnnxEncoder.create(tok);
      if ('refused' in enc) throw new Error(enc.refused);
      expect(tf.memory().numTensors).toBe(atStart);
      const before = tf.memory().numTensors;
      const r = await enc.encodeBatch(data, shape);
      expect(tf.memory().numTensors).toBe(before);
      const depth = tok.quantizer.depth;
      const cells = FRAMES * 8 * 8;
      expect(r.ids.length).toBe(cells * depth);
      const ref = tok.encode(x);
      // Tokenizer.encode's layout: [B, h, w] for one index, [B, h, w, depth] for several.
      expect(ref.indices.shape).toEqual(depth === 1 ? [FRAMES, 8, 8] : [FRAMES, 8, 8, depth]);
      const refIds = (await ref.indices.data()) as Int32Array;
      const refErr = (await ref.quantError.data()) as Float32Array;
      // The ids spread over many codes (per level), so agreeing means something.
      for (let level = 0; level < depth; level++) {
        const used = new Set<number>();
        for (let i = level; i < r.ids.length; i += depth) used.add(r.ids[i]!);
        expect(used.size, `level ${level} codes used`).toBeGreaterThan(5);
      }
      const differ = compare(refIds, refErr, r.ids, r.error, depth, f.exact);
      console.log(`[quantizer-graph] ${f.name}: ${differ} of ${cells} cells differ`);
      tf.dispose([x, ref.indices, ref.quantError]);
      await enc.dispose();
      tok.dispose();
    });
  }

  withOrt('ONNX Round and tf.round (wasm) both round half to even on x.5 values', async () => {
    if ('error' in ort) return;
    const v = Float32Array.of(-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999997, -0.49999997);
    const g = new OnnxGraph('round');
    g.input('x', 'float', [v.length]);
    g.op('Round', ['x'], {}, 'y');
    g.output('y', 'float', [v.length]);
    const s = await ort.ort.InferenceSession.create(g.serialize(PRODUCER), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionProviders: ['cpu'],
    });
    const onnx = [...((await s.run({ x: new ort.ort.Tensor('float32', v, [v.length]) })).y!.data as Float32Array)];
    await s.release();
    expect(tf.getBackend()).toBe('wasm');
    const t = tf.tensor1d(v);
    const r = tf.round(t);
    const tfjs = [...((await r.data()) as Float32Array)];
    tf.dispose([t, r]);
    const halfEven = [-4, -2, -2, -0, 0, 2, 2, 4, 0, -0];
    expect(onnx.map((a) => a + 0)).toEqual(halfEven.map((a) => a + 0));
    expect(tfjs.map((a) => a + 0)).toEqual(halfEven.map((a) => a + 0));
  });

  withOrt('FSQ, residual FSQ and the bit quantizers agree exactly on latents built to sit on rounding ties and zero', async () => {
    if ('error' in ort) return;
    const levels = [8, 5, 6, 3];
    const c = fsqConstants(levels);
    // z = −shift makes tanh(z + shift) exactly 0 in both engines, so bounded = −offset = −0.5 on
    // the even levels: a true tie (half to even gives 0, half away from zero −1). Mixed with
    // saturated values (tanh = ±1 exactly), zeros and ordinary ones.
    const pick = [(d: number) => -c.shift[d]!, () => 0, () => 30, () => -30, (d: number) => 0.37 * (d + 1), (d: number) => -0.81 / (d + 1)];
    const n = 64;
    const z = new Float32Array(n * levels.length);
    for (let i = 0; i < n; i++) for (let d = 0; d < levels.length; d++) z[i * levels.length + d] = pick[(i * 5 + d * 3 + Math.floor(i / 6)) % pick.length]!(d);
    const cases: Array<[string, Quantizer]> = [
      ['fsq', createQuantizer({ kind: 'fsq', levels }, levels.length, 0)],
      ['rfsq', createQuantizer({ kind: 'rfsq', levels, depth: 3 }, levels.length, 0)],
      ['lfq', createQuantizer({ kind: 'lfq' }, levels.length, 0)],
      ['bsq', createQuantizer({ kind: 'bsq' }, levels.length, 0)],
      ['rlfq', createQuantizer({ kind: 'rlfq', depth: 3 }, levels.length, 0)],
    ];
    for (const [name, q] of cases) {
      const { depth, session } = await quantizerSession(ort.ort, q, n);
      const out = await session.run({ z: new ort.ort.Tensor('float32', z, [n, levels.length, 1, 1]) });
      await session.release();
      const ids = out.ids!.data as Int32Array;
      const err = out.err!.data as Float32Array;
      const ref = await tfjsQuantize(q, z, n);
      expect([...ids], name).toEqual([...ref.ids]);
      for (let i = 0; i < n; i++) expect(Math.abs(err[i]! - ref.err[i]!), `${name} error ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, ref.err[i]!));
      expect(depth).toBe(q.depth);
      if (name === 'fsq') {
        // The tie went to even: digit ⌊L/2⌋ (round(−0.5) = −0), not ⌊L/2⌋ − 1, on the even levels.
        const digit = (id: number, d: number) => Math.floor(id / c.basis[d]!) % levels[d]!;
        for (let i = 0; i < n; i++) {
          for (let d = 0; d < levels.length; d++) {
            if (z[i * levels.length + d] === Math.fround(-c.shift[d]!) && levels[d]! % 2 === 0) expect(digit(ids[i]!, d)).toBe(c.halfWidth[d]);
          }
        }
      }
      q.dispose();
    }
  });

  withOrt('an inference pool encodes a depth-3 quantizer (residual FSQ) with ONNX Runtime: the tfjs pool’s tokens exactly', async () => {
    const tok = new Tokenizer(cfg({ kind: 'rfsq', levels: [8, 5, 5], depth: 3 }, 3), seq.encoding);
    const x = tf.tensor4d(await frames(FRAMES), [FRAMES, seq.channels, seq.height, seq.width]);
    await standardiseLatents(tok, x);
    x.dispose();
    await withEnginePools(tok, seq.encoding, async (onnxPool, tfjsPool) => {
      const source = { kind: 'procedural' as const, options: { seed: 3, frames: FRAMES, size: 32 } };
      const a = await onnxPool.encode(source);
      const b = await tfjsPool.encode(source);
      expect(a.depth).toBe(3);
      expect(a.tokens.length).toBe(FRAMES * 8 * 8 * 3);
      expect(new Set(a.tokens).size).toBeGreaterThan(5);
      expect([...a.tokens]).toEqual([...b.tokens]);
      compareEncodes(a, b);
    });
    tok.dispose();
  });
});
