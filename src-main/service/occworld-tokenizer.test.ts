import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TrainConfig } from '../contract';
import { openPath } from '../data/open-path';
import type { FrameSequence } from '../data/frame';
import { OCC3D_SAMPLE } from '../data/test-paths';
import { decodeTokenArray } from './token-array-decode';
import { initBackend } from '../engine/backend';
import { loadCheckpoint, disposeSnapshot } from '../engine/checkpoint/checkpoint';
import { probePython, runPython } from '../engine/checkpoint/python-check';
import { readSafetensors } from '../engine/checkpoint/safetensors';
import { disposeStateDict, safeFileToStateDict } from '../engine/checkpoint/tensor-io';
import { resumeTraining, saveTrainingCheckpoint } from '../engine/checkpoint/training-checkpoint';
import { repoRoot } from '../engine/quantizers/test-backend';
import { Tokenizer } from '../engine/tokenizer';
import { BatchSampler } from '../engine/train/batch-sampler';
import { Trainer } from '../engine/train/trainer';
import { parseOccWorldConfig, type OccWorldConfig } from '../engine/occworld/occworld-config';
import { occworldModelConfig } from '../engine/occworld/occworld-model-config';

/**
 * OccWorld's architecture inside the product's Tokenizer, on the real Occ3D-nuScenes frame
 * (height-folded one-hot, 16 heights × 18 classes, in the BEV image layout): the same token ids
 * and decoded voxels as the PyTorch twin fed OccWorld's own `[X, Y, Z]` class ids; training,
 * checkpoint and resume like the reference architecture.
 */
const torch = probePython(['torch', 'numpy']);

/** OccWorld's layout at 200×200×16 with narrow channels (ch 8), so that it runs in seconds. */
function narrowConfig(): OccWorldConfig {
  const net = { ch: 8, ch_mult: [1, 2, 4], num_res_blocks: 1, attn_resolutions: [50], dropout: 0, resamp_with_conv: true, in_channels: 128, resolution: 200, z_channels: 16 };
  return parseOccWorldConfig(
    {
      type: 'VAERes2D',
      encoder_cfg: { ...net, out_ch: 8, double_z: false },
      decoder_cfg: { ...net, out_ch: 128 },
      num_classes: 18,
      expansion: 8,
      vqvae_cfg: { n_e: 64, e_dim: 8, beta: 1, z_channels: 16 },
    },
    'narrow config',
  );
}

function trainConfig(occ: OccWorldConfig, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    model: occworldModelConfig(occ),
    quantizer: { kind: 'vq', codebookSize: occ.vqvae_cfg.n_e, beta: occ.vqvae_cfg.beta },
    learningRate: 2e-3,
    steps: 6,
    batchSize: 2,
    crop: 32,
    seed: 5,
    checkpointEvery: 0,
    ...overrides,
  };
}

const SCRIPT = String.raw`
import json, sys, io, zipfile, numpy as np, torch
sys.path.insert(0, sys.argv[3])
from occworld_vae import VAERes2D
from tokenscope_tokenizer import write_safetensors
out, npz = sys.argv[1], sys.argv[2]
cfg = json.loads(sys.argv[4])
torch.manual_seed(1)
model = VAERes2D(**cfg).eval()
sem = torch.from_numpy(np.load(npz)['semantics'].astype(np.int64))[None]  # [1, X, Y, Z]
with torch.no_grad():
    z, _ = model.latents(model.embed(sem))
    flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
    pick = torch.randperm(flat.shape[0])[: model.vqvae.n_e]
    model.vqvae.embedding.weight.copy_(flat[pick] + 0.02 * torch.randn_like(flat[pick]))
    w = model.vqvae.embedding.weight
    dist = flat.pow(2).sum(1, keepdim=True) + w.pow(2).sum(1) - 2 * flat @ w.t()
    two = dist.topk(2, dim=1, largest=False).values
    ids = model.vqvae.nearest(z)
    pred = model.decode_ids(ids, sem.shape[1:]).argmax(-1)
write_safetensors(out + '/model.safetensors', model.state_dict())
write_safetensors(out + '/io.safetensors', {'ids': ids.int(), 'pred': pred.int(), 'gap': (two[:, 1] - two[:, 0]).reshape(ids.shape).contiguous()})
`;

describe('OccWorld architecture in the Tokenizer', () => {
  let seq: FrameSequence;
  let dir: string;

  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
    seq = await openPath(OCC3D_SAMPLE);
    dir = mkdtempSync(path.join(tmpdir(), 'ts-occworld-tok-'));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses frames its head does not take, naming both', () => {
    const lidarLike = { kind: 'continuous' } as const;
    expect(() => new Tokenizer(trainConfig(narrowConfig()), lidarLike)).toThrow("tokenizer: OccWorld's class head takes 16 heights of 18 classes (288 one-hot channels), got continuous frames");
    const cfg = trainConfig(narrowConfig());
    expect(() => new Tokenizer({ ...cfg, model: { ...cfg.model, latentDim: 9 } }, seq.encoding)).toThrow("tokenizer: model.latentDim is 9 but OccWorld's model dict makes it 8");
  });

  it.skipIf(!torch.ok)(
    `encodes and decodes the real Occ3D frame as PyTorch does on OccWorld's [X, Y, Z] ids${torch.ok ? '' : ` (skipped: ${torch.reason})`}`,
    async () => {
      const occ = narrowConfig();
      runPython(SCRIPT, [dir, OCC3D_SAMPLE, path.join(repoRoot, 'resources/pytorch'), JSON.stringify(occ)]);
      const sd = safeFileToStateDict(await readSafetensors(path.join(dir, 'model.safetensors')), 'model.safetensors');
      const io = safeFileToStateDict(await readSafetensors(path.join(dir, 'io.safetensors')), 'io.safetensors');
      const tok = new Tokenizer(trainConfig(occ), seq.encoding);
      tok.loadStateDict(sd, 'model.safetensors');
      const before = tf.memory().numTensors;
      const frame = await seq.getFrame(0);
      const x = tf.tensor4d(frame.data, [1, frame.channels, frame.height, frame.width]);
      const { indices, quantError } = tok.encode(x);
      expect(indices.shape).toEqual([1, 50, 50]);
      const [ours, theirs, gap] = [(await indices.data()) as Int32Array, (await io.ids!.data()) as Int32Array, (await io.gap!.data()) as Float32Array];
      // Ours are in the frame's layout (row r = y index 49 − r, column = x); PyTorch's are [x, y].
      let differ = 0;
      for (let xi = 0; xi < 50; xi++) {
        for (let yi = 0; yi < 50; yi++) {
          const t = theirs[xi * 50 + yi]!;
          const o = ours[(49 - yi) * 50 + xi]!;
          if (o !== t) {
            differ++;
            expect(gap[xi * 50 + yi]!, `token (${xi}, ${yi}): ${o} vs ${t}`).toBeLessThan(1e-4);
          }
        }
      }
      console.log(`OccWorld on the Occ3D frame: ${2500 - differ}/2500 token ids equal to PyTorch (any other is a near-tie, gap < 1e-4)`);
      expect(differ).toBeLessThan(5);
      expect(new Set(Array.from(theirs)).size).toBeGreaterThan(10);
      // Decoded voxels, as `tokenscope decode` writes them ([T, X, Y, Z], the source's layout): PyTorch's argmax.
      const decoded = await decodeTokenArray(tok, seq.encoding, ours, [1, 50, 50]);
      expect(decoded.shape).toEqual([1, 200, 200, 16]);
      const pred = (await io.pred!.data()) as Int32Array;
      let same = 0;
      for (let i = 0; i < pred.length; i++) if (decoded.data[i] === pred[i]) same++;
      expect(same / pred.length).toBeGreaterThanOrEqual(0.999);
      console.log(`OccWorld on the Occ3D frame: decoded class equal to PyTorch's argmax on ${((100 * same) / pred.length).toFixed(3)} % of voxels`);
      expect(frame.channels).toBe(288);
      tf.dispose([x, indices, quantError]);
      expect(tf.memory().numTensors).toBe(before);
      tok.dispose();
      disposeStateDict(sd);
      disposeStateDict(io);
    },
    120_000,
  );

  it('trains on Occ3D crops (loss goes down, no tensor leak), checkpoints and resumes exactly', async () => {
    const cfg = trainConfig(narrowConfig());
    const tok = new Tokenizer(cfg, seq.encoding);
    const trainer = new Trainer(tok);
    const sampler = new BatchSampler(seq, cfg.batchSize, cfg.crop, cfg.seed, tok.arch.factor);
    const batch = await sampler.next();
    const first = await trainer.trainStep(batch);
    const baseline = tf.memory().numTensors;
    let last = first;
    for (let i = 1; i < cfg.steps; i++) last = await trainer.trainStep(batch);
    expect(tf.memory().numTensors).toBe(baseline);
    expect(last.loss).toBeLessThan(first.loss);
    expect(first.quantLoss.commitment).toBeGreaterThan(0);
    expect(last.miou).toBeDefined();
    const file = path.join(dir, 'occworld.tscheckpoint');
    await saveTrainingCheckpoint(file, tok, trainer, { input: { height: seq.height, width: seq.width, channelNames: seq.channelNames, encoding: seq.encoding } });
    const snap = await loadCheckpoint(file);
    expect(snap.config.model.arch).toBe('occworld');
    expect(Object.keys(snap.weights)).toContain('vqvae.embedding.weight');
    expect(Object.keys(snap.weights)).toContain('class_embeds.weight');
    disposeSnapshot(snap);
    // Resume into a fresh tokenizer and trainer; the next step is the same as continuing.
    const tok2 = new Tokenizer({ ...cfg, seed: 99 }, seq.encoding);
    const trainer2 = new Trainer(tok2, cfg);
    await resumeTraining(file, tok2, trainer2);
    const [a, b] = [await trainer.trainStep(batch), await trainer2.trainStep(batch)];
    expect(b.step).toBe(a.step);
    expect(Math.abs(b.loss - a.loss)).toBeLessThan(1e-5 * Math.abs(a.loss));
    // A checkpoint of another architecture is refused on resume.
    const ref = new Tokenizer({ ...cfg, model: { inChannels: 288, hidden: 8, latentDim: 8, stages: 2 } }, seq.encoding);
    await expect(resumeTraining(file, ref, new Trainer(ref))).rejects.toThrow('checkpoint is for a different model');
    for (const t of [tok, tok2, ref]) t.dispose();
    trainer.dispose();
    trainer2.dispose();
  }, 180_000);
});
