import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildImportedTokenizer } from '../checkpoint/architecture-registry';
import { disposeStateDict } from '../checkpoint/tensor-io';
import { probePython, runPython } from '../checkpoint/python-check';
import { importTorchCheckpoint } from '../checkpoint/torch-import';
import { repoRoot } from '../quantizers/test-backend';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import type { TrainConfig } from '../../contract';
import type { FrameEncoding } from '../../data/frame';
import { classChannelNames, classEncoding } from '../../data/palette';
import { openPath } from '../../data/open-path';
import { OCC3D_SAMPLE } from '../../data/test-paths';
import { Rng } from '../../util/rng';
import { occworldPaperConfig, occworldFrameChannels, occworldHeights, parseOccWorldConfig, type OccWorldConfig } from '../occworld/occworld-config';
import { occworldModelConfig } from '../occworld/occworld-model-config';
import type { OccWorldQuantizer } from '../occworld/occworld-quantizer';
import { smallOccWorldConfig } from '../occworld/test-configs';
import { OnnxEncoder } from './onnx-encoder';
import { compareEncodes, withEnginePools } from './test-engine-pools';
import { onnxEncoderUnsupported } from './encoder-graph';
import { loadOnnxRuntime } from './onnx-runtime';
import { occworldGraphUnsupported } from './occworld-graph';

/**
 * OccWorld's VAERes2D encoder written as an ONNX graph (occworld-graph.ts) against the tfjs
 * path it copies: OnnxEncoder's ids and errors against Tokenizer.encode's, on class frames and
 * continuous frames, with and without attention, two and three levels, non-square frames (a
 * transposed or unflipped layout would not survive them), random weights (GroupNorm's γ, β
 * included) and a codebook drawn near the latents, so the nearest-code search has real choices.
 */
const ort = loadOnnxRuntime();
const skipWhy = 'error' in ort ? `ONNX Runtime absent: ${ort.error}` : '';
const withOrt = skipWhy ? it.skip : it;
if (skipWhy) console.warn(`[skip] occworld-graph: ${skipWhy}`);

type Shape = [number, number, number, number];

function tokenizerFor(occ: OccWorldConfig, encoding: FrameEncoding, normalization?: TrainConfig['normalization']): Tokenizer {
  const seed = 7;
  const cfg: TrainConfig = {
    ...(normalization ? { normalization } : {}),
    model: occworldModelConfig(occ),
    quantizer: { kind: 'vq', codebookSize: occ.vqvae_cfg.n_e, beta: occ.vqvae_cfg.beta },
    learningRate: 1e-3,
    steps: 1,
    batchSize: 1,
    crop: 0,
    seed,
    checkpointEvery: 0,
  };
  return new Tokenizer(cfg, encoding);
}

/** GroupNorm's γ and β away from their 1 / 0 init, so the graph's scale and shift are tested. */
function perturbNorms(tok: Tokenizer, rng: Rng): void {
  const sd = tok.stateDict();
  const next: Record<string, tf.Tensor> = {};
  for (const [k, t] of Object.entries(sd)) {
    const isNorm = /\.norm(1|2|_out)?\.(weight|bias)$/.test(k);
    next[k] = isNorm ? tf.add(t, tf.tensor(Float32Array.from({ length: t.size }, () => rng.range(-0.4, 0.4)), t.shape)) : tf.clone(t);
  }
  tok.loadStateDict(next, 'test');
  tf.dispose([...Object.values(sd), ...Object.values(next)]);
}

/** A codebook of latents of `x` (tfjs) plus a little noise: ties and near-ties are real choices. */
function codebookNearLatents(tok: Tokenizer, x: tf.Tensor4D, rng: Rng): void {
  const q = tok.quantizer as OccWorldQuantizer;
  const K = q.codebookSize;
  const cb = tf.tidy(() => {
    const z = tf.reshape(tok.latents(tok.toNhwc(x)), [-1, q.dim]);
    const n = z.shape[0]!;
    const rows = Int32Array.from({ length: K }, () => Math.floor(rng.next() * n));
    const picked = tf.gather(z, rows);
    const spread = tf.sqrt(tf.mean(tf.square(picked)));
    return tf.add(picked, tf.mul(tf.randomNormal(picked.shape, 0, 0.05, 'float32', 13), spread));
  });
  q.loadState({ 'embedding.weight': cb });
  cb.dispose();
}

/**
 * ids and errors as Tokenizer.encode gives them. Where the two differ in id, both codes must be
 * equally near the latent (squared distances equal to 1e-5 relative), and such cells must be
 * rare; errors agree to 1e-4 relative.
 */
async function expectSameCodes(tok: Tokenizer, x: Float32Array, shape: Shape, ids: Int32Array, err: Float32Array, tol = { tie: 1e-5, error: 1e-4 }) {
  const t = tf.tensor4d(x, shape);
  const r = tok.encode(t);
  const ref = (await r.indices.data()) as Int32Array;
  const refErr = (await r.quantError.data()) as Float32Array;
  tf.dispose([t, r.indices, r.quantError]);
  expect(ids.length).toBe(ref.length);
  const differ: number[] = [];
  for (let i = 0; i < ref.length; i++) if (ref[i] !== ids[i]) differ.push(i);
  for (const i of differ) expect(Math.abs(err[i]! - refErr[i]!)).toBeLessThanOrEqual(tol.tie * Math.max(1, refErr[i]!));
  expect(differ.length).toBeLessThanOrEqual(Math.ceil(ref.length * 0.002));
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(err[i]! - refErr[i]!) / Math.max(1, refErr[i]!));
  expect(worst).toBeLessThanOrEqual(tol.error);
  return { differ: differ.length, total: ref.length, distinct: new Set(ref).size, worst };
}

/** Blocky class frames `[N, Z·classes, H, W]` (one-hot per height, a few cells empty), like real occupancy. */
function classFrames(n: number, Z: number, classes: number, H: number, W: number, rng: Rng): Float32Array {
  const out = new Float32Array(n * Z * classes * H * W);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) {
        for (let z = 0; z < Z; z++) {
          const block = ((r >> 2) * 13 + (c >> 3) * 7 + z * 5 + b * 3) % classes;
          const u = rng.next();
          // A few empty cells (all zeros: argmax's tie, the first class, in both engines).
          if (u < 0.03) continue;
          const cls = u < 0.1 ? Math.floor(rng.next() * classes) : block;
          out[(((b * Z + z) * classes + cls) * H + r) * W + c] = 1;
        }
      }
    }
  }
  return out;
}

const small = smallOccWorldConfig();
/** Class frames, no attention, three levels, two blocks a level (blocks without nin_shortcut too). */
const threeLevels = parseOccWorldConfig(
  {
    ...small,
    encoder_cfg: { ...small.encoder_cfg, ch_mult: [1, 2, 2], num_res_blocks: 2, attn_resolutions: [] },
    decoder_cfg: { ...small.decoder_cfg, ch_mult: [1, 2, 2], num_res_blocks: 2, attn_resolutions: [] },
  },
  'three levels',
);
/** The continuous head (VAERes2DContinuous: 5 BEV channels to conv_in), attention on the first level. */
const continuous = parseOccWorldConfig(
  {
    type: 'VAERes2DContinuous',
    encoder_cfg: { ...small.encoder_cfg, in_channels: 5, attn_resolutions: [32] },
    decoder_cfg: { ...small.decoder_cfg, in_channels: 5, out_ch: 5, attn_resolutions: [32] },
    vqvae_cfg: small.vqvae_cfg,
  },
  'continuous',
);

describe('ONNX encoder for OccWorld VAERes2D', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('writes every OccWorld configuration the parser accepts', () => {
    for (const occ of [small, threeLevels, continuous, occworldPaperConfig()]) expect(occworldGraphUnsupported(occ)).toBeNull();
    const tok = tokenizerFor(small, classEncoding(occworldHeights(small)));
    expect(onnxEncoderUnsupported(tok)).toBeNull();
    tok.dispose();
  });

  const cases: Array<{ name: string; occ: OccWorldConfig; kind: 'classes' | 'continuous'; normalise?: boolean }> = [
    { name: 'class frames, attention on the second level, two levels', occ: small, kind: 'classes' },
    { name: 'class frames, no attention, three levels of two blocks', occ: threeLevels, kind: 'classes' },
    { name: 'continuous frames, attention on the first level', occ: continuous, kind: 'continuous' },
    { name: 'continuous frames normalised per channel (mean, std)', occ: continuous, kind: 'continuous', normalise: true },
  ];
  for (const c of cases) {
    withOrt(`${c.name}: the ids and errors of Tokenizer.encode`, async () => {
      const rng = new Rng(c.name.length);
      const Z = occworldHeights(c.occ);
      const C = occworldFrameChannels(c.occ);
      const encoding: FrameEncoding = c.kind === 'classes' ? classEncoding(Z) : { kind: 'continuous' };
      const normalization = c.normalise ? { mean: Array.from({ length: C }, (_, i) => 0.2 * i - 0.3), std: Array.from({ length: C }, (_, i) => 0.5 + 0.25 * i) } : undefined;
      const tok = tokenizerFor(c.occ, encoding, normalization);
      perturbNorms(tok, rng);
      // Non-square (rows ≠ cols): a layout change that transposed without flipping, or not at all, shows.
      const shape: Shape = [3, C, 32, 24];
      const x = c.kind === 'classes' ? classFrames(3, Z, c.occ.num_classes!, 32, 24, rng) : Float32Array.from({ length: 3 * C * 32 * 24 }, () => rng.range(-1, 2));
      const xt = tf.tensor4d(x, shape);
      codebookNearLatents(tok, xt, rng);
      xt.dispose();
      const before = tf.memory().numTensors;
      const enc = await OnnxEncoder.create(tok);
      if ('refused' in enc) throw new Error(enc.refused);
      const r = await enc.encodeBatch(x, shape);
      expect(tf.memory().numTensors).toBe(before);
      const f = 2 ** (c.occ.encoder_cfg.ch_mult.length - 1);
      expect(r.ids.length).toBe(3 * (32 / f) * (24 / f));
      const same = await expectSameCodes(tok, x, shape, r.ids, r.error);
      // The codebook near the latents spreads them over many codes: comparing ids means something.
      expect(same.distinct).toBeGreaterThan(10);
      console.log(`occworld-graph ${c.name}: ${same.differ}/${same.total} ids differ, ${same.distinct} distinct, worst error ${same.worst.toExponential(2)} relative`);
      await enc.dispose();
      tok.dispose();
    }, 120_000);
  }

  withOrt('follows new weights (reload, as live training hands them over)', async () => {
    const rng = new Rng(21);
    const Z = occworldHeights(small);
    const tok = tokenizerFor(small, classEncoding(Z));
    const shape: Shape = [2, occworldFrameChannels(small), 32, 24];
    const x = classFrames(2, Z, small.num_classes!, 32, 24, rng);
    const xt = tf.tensor4d(x, shape);
    codebookNearLatents(tok, xt, rng);
    const enc = await OnnxEncoder.create(tok);
    if ('refused' in enc) throw new Error(enc.refused);
    const first = await enc.encodeBatch(x, shape);
    perturbNorms(tok, rng);
    codebookNearLatents(tok, xt, rng);
    xt.dispose();
    await enc.reload(tok);
    const second = await enc.encodeBatch(x, shape);
    expect([...second.ids]).not.toEqual([...first.ids]);
    await expectSameCodes(tok, x, shape, second.ids, second.error);
    await enc.dispose();
    tok.dispose();
  }, 120_000);

  // OccWorld's own size (occworldPaperConfig: ~14 M parameters, 200×200×16 voxels → 50×50 tokens) on the real Occ3D-nuScenes frame.
  withOrt("OccWorld's real-size tokenizer on the real Occ3D-nuScenes frame: the ids and errors of Tokenizer.encode", async () => {
    const seq = await openPath(OCC3D_SAMPLE);
    const occ = occworldPaperConfig();
    const tok = tokenizerFor(occ, seq.encoding);
    const rng = new Rng(5);
    perturbNorms(tok, rng);
    const frame = await seq.getFrame(0);
    const shape: Shape = [1, frame.channels, frame.height, frame.width];
    const xt = tf.tensor4d(frame.data, shape);
    codebookNearLatents(tok, xt, rng);
    xt.dispose();
    const enc = await OnnxEncoder.create(tok);
    if ('refused' in enc) throw new Error(enc.refused);
    const r = await enc.encodeBatch(frame.data, shape);
    expect(r.ids.length).toBe(50 * 50);
    // Tolerances at float32's own accuracy on this network: ~30 layers of random weights amplify
    // rounding. Measured against PyTorch in float64 on this frame (same weights), the latents'
    // relative L2 error is 3.3e-4 for tfjs, 2.4e-4 for PyTorch float32, 6e-5 for ONNX Runtime;
    // errors then agree to ~4e-4 relative, and 1 id in 2,500 flipped (a tie to 3e-5).
    const same = await expectSameCodes(tok, frame.data, shape, r.ids, r.error, { tie: 1e-3, error: 1e-3 });
    expect(same.distinct).toBeGreaterThan(50);
    console.log(`occworld-graph real size, Occ3D frame: ${same.differ}/${same.total} ids differ, ${same.distinct} distinct, worst error ${same.worst.toExponential(2)} relative`);
    await enc.dispose();
    tok.dispose();
  }, 600_000);

  // OccWorld's own checkpoint format: torch.save of {state_dict, epoch} beside its model dict.
  const torch = probePython(['torch', 'numpy']);
  const withTorch = skipWhy || !torch.ok ? it.skip : it;
  if (!torch.ok) console.warn(`[skip] occworld-graph .pth pool test: ${torch.reason}`);
  let dir = '';
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  withTorch("an OccWorld .pth, imported and encoded by an inference pool on ONNX Runtime: the tfjs pool's tokens", async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'occworld-onnx-'));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(small));
    runPython(
      String.raw`
import json, os, sys, torch
sys.path.insert(0, sys.argv[2])
from occworld_vae import VAERes2D
out = sys.argv[1]
cfg = json.load(open(os.path.join(out, 'config.json')))
torch.manual_seed(2)
model = VAERes2D(**cfg).eval()
with torch.no_grad():
    for n, p in model.named_parameters():
        if '.norm' in n: p.add_(0.3 * torch.randn_like(p))
    vox = torch.randint(0, cfg['num_classes'], (2, 8, 6, 4)).repeat_interleave(4, 1).repeat_interleave(4, 2)
    z, _ = model.latents(model.embed(vox))
    flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
    pick = torch.randint(0, flat.shape[0], (model.vqvae.n_e,))
    model.vqvae.embedding.weight.copy_(flat[pick] + 0.05 * flat.std() * torch.randn_like(flat[pick]))
torch.save({'state_dict': model.state_dict(), 'epoch': 1}, os.path.join(out, 'epoch_1.pth'))
`,
      [dir, path.join(repoRoot, 'resources/pytorch')],
    );
    const imp = await importTorchCheckpoint(path.join(dir, 'epoch_1.pth'));
    expect(imp.architecture).toBe('occworld');
    const Z = occworldHeights(small);
    const encoding = classEncoding(Z);
    const tok = buildImportedTokenizer(imp, encoding, 'epoch_1.pth');
    disposeStateDict(imp.stateDict);
    await withEnginePools(tok, encoding, async (onnxPool, tfjsPool) => {
      const rng = new Rng(9);
      const C = occworldFrameChannels(small);
      const per = C * 32 * 24;
      const all = classFrames(6, Z, small.num_classes!, 32, 24, rng);
      const frames = Array.from({ length: 6 }, (_, i) => all.slice(i * per, (i + 1) * per));
      const source = { kind: 'frames' as const, name: 'mem', channels: C, height: 32, width: 24, channelNames: classChannelNames(Z), encoding, frames };
      const a = await onnxPool.encode(source);
      const b = await tfjsPool.encode(source);
      expect(a.frames).toBe(6);
      expect([a.h, a.w]).toEqual([16, 12]);
      expect(new Set(b.tokens).size).toBeGreaterThan(10);
      const differ = compareEncodes(a, b);
      expect(differ).toBeLessThanOrEqual(1);
      console.log(`occworld-graph .pth pool: ${differ}/${a.tokens.length} tokens differ, ${new Set(b.tokens).size} distinct`);
    });
    tok.dispose();
  }, 300_000);
});
