import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import type { TrainConfig } from '../../contract';
import type { FrameEncoding } from '../../data/frame';
import { createProceduralSequence } from '../../data/procedural-scene';
import { Rng } from '../../util/rng';
import { VectorQuantizer } from '../quantizers/vq';
import type { HierarchicalNets } from '../hierarchical/hier-nets';
import type { HierarchicalQuantizer } from '../hierarchical/hier-quantizer';
import { OnnxEncoder } from './onnx-encoder';
import { codebookNearRows } from './test-codebooks';
import { compareEncodes, withEnginePools } from './test-engine-pools';
import { onnxEncoderUnsupported } from './encoder-graph';
import { hierGraphUnsupported } from './hier-graph';
import { loadOnnxRuntime } from './onnx-runtime';

/**
 * The hierarchical (VQ-VAE-2) encoder written as an ONNX graph (hier-graph.ts) against the tfjs
 * path it copies: OnnxEncoder's ids (both levels) and errors against Tokenizer.encode's, on class
 * frames and continuous frames (normalised, non-square), Euclidean and cosine codebooks, random
 * weights and both codebooks drawn near the latents, so both nearest-code searches have real
 * choices (and a wrong top choice would move the bottom latents through dec_t).
 */
const ort = loadOnnxRuntime();
const skipWhy = 'error' in ort ? `ONNX Runtime absent: ${ort.error}` : '';
const withOrt = skipWhy ? it.skip : it;
if (skipWhy) console.warn(`[skip] hier-graph: ${skipWhy}`);

type Shape = [number, number, number, number];

const seq = createProceduralSequence({ seed: 4, frames: 4, size: 64 });

function hierConfig(inChannels: number, over: Partial<TrainConfig> = {}, quantizer: TrainConfig['quantizer'] = { kind: 'vq', codebookSize: 48 }): TrainConfig {
  return {
    model: { inChannels, hidden: 16, latentDim: 8, stages: 2, arch: 'hierarchical' },
    quantizer,
    learningRate: 1e-3,
    steps: 1,
    batchSize: 2,
    crop: 0,
    seed: 6,
    checkpointEvery: 0,
    ...over,
  };
}

/**
 * Both codebooks near the latents of `x`: the top one from the top latents, then (the bottom
 * latents depend on the top codes through dec_t) the bottom one from the bottom latents. First
 * each level's 1×1 quantize_conv bias is shifted by minus the latents' mean: a random net's
 * latents share a common part much larger than their spread on frames with uniform regions,
 * and ‖z‖² − 2z·c + ‖c‖² (both engines' distance) is then only accurate to float32 of that
 * common part — ties everywhere. Centred, a differing id is a real near-tie.
 */
async function codebooksNearLatents(tok: Tokenizer, x: tf.Tensor4D, rng: Rng): Promise<void> {
  const nets = tok.nets as HierarchicalNets;
  const q = tok.quantizer as HierarchicalQuantizer;
  const D = q.codeDim;
  const rows = (level: 'top' | 'bottom') =>
    tf.tidy(() => {
      const l = nets.levels(tok.toNhwc(x), false);
      return tf.reshape(level === 'top' ? l.zt : l.zb, [-1, D]) as tf.Tensor2D;
    });
  for (const level of ['top', 'bottom'] as const) {
    const bias = nets.nets[level === 'top' ? 'quantize_conv_t' : 'quantize_conv_b'].biases[0]!;
    const before = rows(level);
    tf.tidy(() => bias.assign(tf.sub(bias, tf.mean(before, 0))));
    before.dispose();
    const z = rows(level);
    const cb = await codebookNearRows(z, q.codebookSize, rng, level === 'top' ? 13 : 17, q.top.options.cosine);
    q[level].loadState({ 'embedding.weight': cb });
    tf.dispose([z, cb]);
  }
}

/** Per level (0 top, 1 bottom) of ids `[N, h, w, 2]`. */
function level(ids: Int32Array, l: number): Int32Array {
  return ids.filter((_, i) => i % 2 === l);
}

/**
 * ids and errors as Tokenizer.encode gives them, per level. Where an id differs, both codes must
 * be equally near the latent (errors equal to 1e-5 relative), and such cells must be rare (≤ 0.2 %
 * a level); errors agree to 1e-4 relative; each level uses more than 5 codes.
 */
async function expectSameCodes(tok: Tokenizer, x: Float32Array, shape: Shape, ids: Int32Array, err: Float32Array) {
  const t = tf.tensor4d(x, shape);
  const r = tok.encode(t);
  const ref = (await r.indices.data()) as Int32Array;
  const refErr = (await r.quantError.data()) as Float32Array;
  tf.dispose([t, r.indices, r.quantError]);
  expect(ids.length).toBe(ref.length);
  expect(err.length).toBe(refErr.length);
  expect(ref.length).toBe(2 * refErr.length);
  const out = { differ: [0, 0], distinct: [0, 0], cells: refErr.length, worst: 0 };
  for (const l of [0, 1]) {
    const a = level(ids, l);
    const b = level(ref, l);
    for (let i = 0; i < b.length; i++) {
      if (a[i] === b[i]) continue;
      out.differ[l]!++;
      expect(Math.abs(err[i]! - refErr[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1e-6, refErr[i]!));
    }
    expect(out.differ[l]).toBeLessThanOrEqual(Math.ceil(b.length * 0.002));
    out.distinct[l] = new Set(b).size;
    expect(out.distinct[l]).toBeGreaterThan(5);
  }
  // Relative to the error itself (the codebooks sit near the latents: errors are often ≪ 1).
  for (let i = 0; i < refErr.length; i++) out.worst = Math.max(out.worst, Math.abs(err[i]! - refErr[i]!) / Math.max(1e-6, refErr[i]!));
  expect(out.worst).toBeLessThanOrEqual(1e-4);
  return out;
}

async function classFrames(n: number): Promise<Float32Array> {
  const per = seq.channels * seq.height * seq.width;
  const out = new Float32Array(n * per);
  for (let i = 0; i < n; i++) out.set((await seq.getFrame(i)).data, i * per);
  return out;
}

describe('ONNX encoder for the hierarchical (VQ-VAE-2) tokenizer', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('writes every hierarchical tokenizer (its two VQ codebooks) and names what it refuses', () => {
    const tok = new Tokenizer(hierConfig(seq.channels), seq.encoding);
    expect(onnxEncoderUnsupported(tok)).toBeNull();
    tok.dispose();
    const cosine = new Tokenizer(hierConfig(3, {}, { kind: 'vq', codebookSize: 16, cosine: true, ema: true }), { kind: 'continuous' });
    expect(onnxEncoderUnsupported(cosine)).toBeNull();
    cosine.dispose();
    const plain = new VectorQuantizer({ dim: 4, codebookSize: 8 });
    expect(hierGraphUnsupported(plain)).toBe("the hierarchical architecture's graph needs its two VQ codebooks, not a vq quantizer");
    plain.dispose();
  });

  const C = 3;
  const cases: Array<{ name: string; kind: 'classes' | 'continuous'; shape: Shape; cfg: TrainConfig; encoding: FrameEncoding }> = [
    { name: 'class frames (procedural scene), 64×64', kind: 'classes', shape: [4, seq.channels, 64, 64], cfg: hierConfig(seq.channels), encoding: seq.encoding },
    {
      name: 'continuous frames normalised per channel, non-square 48×72',
      kind: 'continuous',
      shape: [4, C, 48, 72],
      cfg: hierConfig(C, { normalization: { mean: [0.1, -0.2, 0.3], std: [0.5, 0.8, 1.3] } }),
      encoding: { kind: 'continuous' },
    },
    {
      name: 'continuous frames, cosine EMA codebooks, 64×32',
      kind: 'continuous',
      shape: [4, C, 64, 32],
      cfg: hierConfig(C, {}, { kind: 'vq', codebookSize: 48, cosine: true, ema: true }),
      encoding: { kind: 'continuous' },
    },
  ];
  for (const c of cases) {
    withOrt(`${c.name}: both levels' ids and the errors of Tokenizer.encode`, async () => {
      const rng = new Rng(c.name.length);
      const tok = new Tokenizer(c.cfg, c.encoding);
      const [n, ch, H, W] = c.shape;
      const x = c.kind === 'classes' ? await classFrames(n) : Float32Array.from({ length: n * ch * H * W }, () => rng.range(-1, 2));
      const xt = tf.tensor4d(x, c.shape);
      await codebooksNearLatents(tok, xt, rng);
      xt.dispose();
      const before = tf.memory().numTensors;
      const enc = await OnnxEncoder.create(tok);
      if ('refused' in enc) throw new Error(enc.refused);
      const r = await enc.encodeBatch(x, c.shape);
      expect(tf.memory().numTensors).toBe(before);
      expect(r.ids).toBeInstanceOf(Int32Array);
      expect(r.ids.length).toBe(n * (H / 4) * (W / 4) * 2);
      // The top id is one per 2×2 block of the bottom grid.
      const top = level(r.ids, 0);
      const [h, w] = [H / 4, W / 4];
      for (let f = 0; f < n; f++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
        expect(top[(f * h + y) * w + xx]).toBe(top[(f * h + (y & ~1)) * w + (xx & ~1)]);
      }
      const same = await expectSameCodes(tok, x, c.shape, r.ids, r.error);
      console.log(
        `hier-graph ${c.name}: ids differ top ${same.differ[0]}, bottom ${same.differ[1]} of ${same.cells}; distinct ${same.distinct.join(' / ')}; worst error ${same.worst.toExponential(2)} relative`,
      );
      await enc.dispose();
      tok.dispose();
    }, 120_000);
  }

  withOrt('an inference pool encodes a hierarchical tokenizer with ONNX Runtime: the tokens of the tfjs pool', async () => {
    const tok = new Tokenizer(hierConfig(seq.channels), seq.encoding);
    const rng = new Rng(8);
    const xt = tf.tensor4d(await classFrames(4), [4, seq.channels, 64, 64]);
    await codebooksNearLatents(tok, xt, rng);
    xt.dispose();
    await withEnginePools(tok, seq.encoding, async (onnxPool, tfjsPool) => {
      const source = { kind: 'procedural' as const, options: { seed: 4, frames: 4, size: 64 } };
      const a = await onnxPool.encode(source);
      const b = await tfjsPool.encode(source);
      expect([a.frames, a.h, a.w, a.depth]).toEqual([4, 16, 16, 2]);
      expect([b.frames, b.h, b.w, b.depth]).toEqual([4, 16, 16, 2]);
      for (const l of [0, 1]) expect(new Set(level(b.tokens, l)).size).toBeGreaterThan(5);
      const differ = compareEncodes(a, b);
      expect(differ).toBeLessThanOrEqual(Math.ceil(a.tokens.length * 0.002));
      console.log(`hier-graph pool: ${differ}/${a.tokens.length} tokens differ`);
    });
    tok.dispose();
  }, 300_000);
});
