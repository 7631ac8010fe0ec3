import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import type { TrainConfig } from '../../contract';
import type { FrameEncoding } from '../../data/frame';
import { createProceduralSequence } from '../../data/procedural-scene';
import { Rng } from '../../util/rng';
import type { VectorQuantizer } from '../quantizers/vq';
import { OnnxEncoder } from './onnx-encoder';
import { codebookNearRows } from './test-codebooks';
import { compareEncodes, withEnginePools } from './test-engine-pools';
import { onnxEncoderUnsupported } from './encoder-graph';
import { loadOnnxRuntime } from './onnx-runtime';
import { standardiseTiTokLatents } from './titok-test-latents';

/**
 * The TiTok 1D tokenizer's encoder written as an ONNX graph (titok-graph.ts) against the tfjs
 * path it copies: OnnxEncoder's ids and errors against Tokenizer.encode's, on class frames and
 * normalised continuous frames (square and non-square grids), 1 and 2 cross-attention blocks,
 * 1 and 2 heads, a VQ codebook drawn near the latents and FSQ, random weights.
 */
const ort = loadOnnxRuntime();
const skipWhy = 'error' in ort ? `ONNX Runtime absent: ${ort.error}` : '';
const withOrt = skipWhy ? it.skip : it;
if (skipWhy) console.warn(`[skip] titok-graph: ${skipWhy}`);

type Shape = [number, number, number, number];

const seq = createProceduralSequence({ seed: 4, frames: 8, size: 32 });

interface Case {
  name: string;
  kind: 'classes' | 'continuous';
  /** The token grid of the stem (frames are 4× it: 2 stages). */
  grid: [number, number];
  layers: number;
  heads: number;
  quantizer: TrainConfig['quantizer'];
  latentDim: number;
  normalization?: TrainConfig['normalization'];
}

const C = 3;

function titokConfig(c: Case): TrainConfig {
  return {
    model: {
      inChannels: c.kind === 'classes' ? seq.channels : C,
      hidden: 16,
      latentDim: c.latentDim,
      stages: 2,
      arch: 'titok',
      titok: { tokens: 32, gridHeight: c.grid[0], gridWidth: c.grid[1], layers: c.layers, heads: c.heads },
    },
    quantizer: c.quantizer,
    learningRate: 1e-3,
    steps: 1,
    batchSize: 2,
    crop: 0,
    seed: 7,
    checkpointEvery: 0,
    ...(c.normalization ? { normalization: c.normalization } : {}),
  };
}

/**
 * K distinct latent rows picked at random, plus noise of 10 % of the latents' spread: every code
 * is near some latents, so the search makes real choices. Distinct rows, because two codes
 * drawn from equal latents would be a tie at float32's accuracy, not a choice.
 */
async function codebookNearLatents(tok: Tokenizer, x: tf.Tensor4D, rng: Rng): Promise<void> {
  const q = tok.quantizer as VectorQuantizer;
  const K = q.codebookSize;
  const z = tf.tidy(() => {
    const z4 = tok.latents(tok.toNhwc(x));
    return tf.reshape(z4, [-1, z4.shape[3]]) as tf.Tensor2D;
  });
  const cb = await codebookNearRows(z, K, rng, 13);
  q.loadState({ 'embedding.weight': cb });
  tf.dispose([z, cb]);
}

/** Random weights made meaningful for the comparison: latents standardised, a VQ codebook near them. */
async function prepare(tok: Tokenizer, x: Float32Array, shape: Shape, rng: Rng): Promise<void> {
  const xt = tf.tensor4d(x, shape);
  standardiseTiTokLatents(tok, xt);
  if (tok.cfg.quantizer.kind === 'vq') await codebookNearLatents(tok, xt, rng);
  xt.dispose();
}

/**
 * Errors are compared relative to max(error, ERR_FLOOR): the VQ error is relu(min + ‖z‖²), a
 * difference of numbers of the size of ‖z‖² (≈ D = 4–8 here, the latents standardised), so its
 * absolute accuracy is float32's on ‖z‖² (~1e-6: measured 1e-6 to 8e-6), not a fraction of a
 * small error. 0.1 is ~1/50 of ‖z‖².
 */
const ERR_FLOOR = 0.1;

/**
 * ids and errors as Tokenizer.encode gives them. Where an id differs, both codes must be equally
 * near the latent (errors equal to 1e-5 relative, as onnx-encoder.test.ts), and such cells must
 * be rare (≤ 0.2 %); errors agree to 1e-4 relative; more than 5 codes are used.
 */
async function expectSameCodes(tok: Tokenizer, x: Float32Array, shape: Shape, ids: Int32Array, err: Float32Array) {
  const t = tf.tensor4d(x, shape);
  const r = tok.encode(t);
  const ref = (await r.indices.data()) as Int32Array;
  const refErr = (await r.quantError.data()) as Float32Array;
  tf.dispose([t, r.indices, r.quantError]);
  expect(ids.length).toBe(ref.length);
  expect(err.length).toBe(refErr.length);
  let differ = 0;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const diff = Math.abs(err[i]! - refErr[i]!);
    worst = Math.max(worst, diff / Math.max(ERR_FLOOR, refErr[i]!));
    if (ids[i] === ref[i]) continue;
    differ++;
    expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(1, refErr[i]!));
  }
  expect(differ).toBeLessThanOrEqual(Math.ceil(ref.length * 0.002));
  const distinct = new Set(ref).size;
  expect(distinct).toBeGreaterThan(5);
  expect(worst).toBeLessThanOrEqual(1e-4);
  return { differ, cells: ref.length, distinct, worst };
}

async function classFrames(n: number): Promise<Float32Array> {
  const per = seq.channels * seq.height * seq.width;
  const out = new Float32Array(n * per);
  for (let i = 0; i < n; i++) out.set((await seq.getFrame(i)).data, i * per);
  return out;
}

const norm = { mean: [0.1, -0.2, 0.3], std: [0.5, 0.8, 1.3] };
const CASES: Case[] = [
  { name: 'class frames 32×32, 1 block, 1 head, VQ', kind: 'classes', grid: [8, 8], layers: 1, heads: 1, quantizer: { kind: 'vq', codebookSize: 32 }, latentDim: 8 },
  {
    name: 'continuous frames normalised, non-square 16×24, 2 blocks, 2 heads, VQ',
    kind: 'continuous',
    grid: [4, 6],
    layers: 2,
    heads: 2,
    quantizer: { kind: 'vq', codebookSize: 32 },
    latentDim: 8,
    normalization: norm,
  },
  { name: 'class frames 32×32, 2 blocks, 2 heads, FSQ', kind: 'classes', grid: [8, 8], layers: 2, heads: 2, quantizer: { kind: 'fsq', levels: [8, 5, 5, 5] }, latentDim: 4 },
  {
    name: 'continuous frames normalised 24×16, 1 block, 2 heads, FSQ',
    kind: 'continuous',
    grid: [6, 4],
    layers: 1,
    heads: 2,
    quantizer: { kind: 'fsq', levels: [8, 5, 5, 5] },
    latentDim: 4,
    normalization: norm,
  },
];

describe('ONNX encoder for the TiTok 1D tokenizer', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  for (const c of CASES) {
    withOrt(`${c.name}: the ids and errors of Tokenizer.encode`, async () => {
      const rng = new Rng(c.name.length);
      const cfg = titokConfig(c);
      const encoding: FrameEncoding = c.kind === 'classes' ? seq.encoding : { kind: 'continuous' };
      const tok = new Tokenizer(cfg, encoding);
      expect(onnxEncoderUnsupported(tok)).toBeNull();
      const n = 8;
      const shape: Shape = [n, cfg.model.inChannels, c.grid[0] * 4, c.grid[1] * 4];
      const x = c.kind === 'classes' ? await classFrames(n) : Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.range(-1, 2));
      await prepare(tok, x, shape, rng);
      const before = tf.memory().numTensors;
      const enc = await OnnxEncoder.create(tok);
      if ('refused' in enc) throw new Error(enc.refused);
      const r = await enc.encodeBatch(x, shape);
      expect(tf.memory().numTensors).toBe(before);
      expect(r.ids).toBeInstanceOf(Int32Array);
      expect(r.ids.length).toBe(n * 32);
      const same = await expectSameCodes(tok, x, shape, r.ids, r.error);
      console.log(`titok-graph ${c.name}: ${same.differ} of ${same.cells} ids differ; ${same.distinct} codes used; worst error ${same.worst.toExponential(2)} relative`);
      // A batch of one (the queries broadcast over the batch, not tiled): the first frame's tokens.
      const one = await enc.encodeBatch(x.subarray(0, x.length / n), [1, shape[1], shape[2], shape[3]]);
      expect(Array.from(one.ids)).toEqual(Array.from(r.ids.subarray(0, 32)));
      await enc.dispose();
      tok.dispose();
    }, 120_000);
  }

  withOrt('an inference pool encodes a TiTok tokenizer with ONNX Runtime: the tokens of the tfjs pool', async () => {
    const c = CASES[0]!;
    const tok = new Tokenizer(titokConfig(c), seq.encoding);
    const shape: Shape = [8, seq.channels, 32, 32];
    await prepare(tok, await classFrames(8), shape, new Rng(8));
    await withEnginePools(tok, seq.encoding, async (onnxPool, tfjsPool) => {
      const source = { kind: 'procedural' as const, options: { seed: 4, frames: 8, size: 32 } };
      const a = await onnxPool.encode(source);
      const b = await tfjsPool.encode(source);
      expect([a.frames, a.h, a.w, a.depth]).toEqual([8, 1, 32, 1]);
      expect([b.frames, b.h, b.w, b.depth]).toEqual([8, 1, 32, 1]);
      expect(new Set(b.tokens).size).toBeGreaterThan(5);
      const differ = compareEncodes(a, b, ERR_FLOOR);
      expect(differ).toBeLessThanOrEqual(Math.ceil(a.tokens.length * 0.002));
      console.log(`titok-graph pool: ${differ}/${a.tokens.length} tokens differ`);
    });
    tok.dispose();
  }, 300_000);
});
