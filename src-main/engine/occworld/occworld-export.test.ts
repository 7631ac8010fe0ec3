import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TrainConfig } from '../../contract';
import { classChannelNames, classEncoding } from '../../data/palette';
import { initBackend } from '../backend';
import { exportForPyTorch, importFromPyTorch, disposeStateDict } from '../checkpoint/export';
import { probePython, runPython } from '../checkpoint/python-check';
import { readSafetensors, writeSafetensors } from '../checkpoint/safetensors';
import { repoRoot } from '../quantizers/test-backend';
import { Tokenizer } from '../tokenizer';
import { Trainer } from '../train/trainer';
import { occworldModelConfig } from './occworld-model-config';
import { openOccWorldTokenizer } from './occworld-open';
import { importTorchCheckpoint } from '../checkpoint/torch-import';
import { buildImportedTokenizer } from '../checkpoint/architecture-registry';
import { smallOccWorldConfig } from './test-configs';

/**
 * Export of an OccWorld tokenizer and import back: OccWorld's names in model.safetensors, its
 * model dict in config.json; the PyTorch twin loads the folder with load_state_dict(strict=True)
 * and encodes the same voxels to the same tokens; TokenScope re-imports it, and a bare OccWorld
 * model dict beside a state dict opens too. A config that disagrees with the weights is refused.
 */
const torch = probePython(['torch', 'numpy']);
const [X, Y, Z, C] = [32, 32, 4, 18];

const cfg: TrainConfig = {
  model: occworldModelConfig(smallOccWorldConfig()),
  quantizer: { kind: 'vq', codebookSize: 64, beta: 0.5 },
  learningRate: 1e-3,
  steps: 1,
  batchSize: 1,
  crop: 0,
  seed: 4,
  checkpointEvery: 0,
};
const encoding = classEncoding(Z);
const input = { height: Y, width: X, channelNames: classChannelNames(Z), encoding };

/** Voxels [X, Y, Z] (blocky, like occupancy) and the product's frame [C·Z, rows = Y, cols = X] of them. */
function scene(): { voxels: Int32Array; frame: Float32Array } {
  const voxels = new Int32Array(X * Y * Z);
  const frame = new Float32Array(Z * C * Y * X);
  for (let x = 0; x < X; x++) {
    for (let y = 0; y < Y; y++) {
      for (let z = 0; z < Z; z++) {
        const c = ((x >> 3) * 7 + (y >> 2) * 3 + z * 5) % C;
        voxels[(x * Y + y) * Z + z] = c;
        frame[(z * C + c) * Y * X + (Y - 1 - y) * X + x] = 1;
      }
    }
  }
  return { voxels, frame };
}

const TWIN = String.raw`
import json, sys, torch
sys.path.insert(0, sys.argv[2])
from occworld_vae import load_occworld
from tokenscope_tokenizer import read_safetensors
model = load_occworld(sys.argv[1])  # strict=True
vox = read_safetensors(sys.argv[3])['voxels'].long()[None]
print(json.dumps(model.encode_ids(vox)[0].tolist()))
`;

/** Cells where `tok`'s tokens of the test scene equal the twin's for the export in `out` (all of them when it matches). */
async function cellsLikeTwin(tok: Tokenizer, out: string, dir: string): Promise<{ same: number; cells: number; distinct: number }> {
  const { voxels, frame } = scene();
  const vfile = path.join(dir, 'voxels.safetensors');
  await writeSafetensors(vfile, { voxels: { dtype: 'I32', shape: [X, Y, Z], data: voxels } });
  const theirs = JSON.parse(runPython(TWIN, [out, path.join(repoRoot, 'resources/pytorch'), vfile])) as number[][];
  const x = tf.tensor4d(frame, [1, Z * C, Y, X]);
  const { indices, quantError } = tok.encode(x);
  const ours = (await indices.data()) as Int32Array;
  tf.dispose([x, indices, quantError]);
  // Ours are in the BEV image layout (row = Y-1-y, column = x), the twin's in OccWorld's [x, y].
  const [h, w] = [Y / 2, X / 2];
  let same = 0;
  for (let xi = 0; xi < w; xi++) for (let yi = 0; yi < h; yi++) if (ours[(h - 1 - yi) * w + xi] === theirs[xi]![yi]) same++;
  return { same, cells: h * w, distinct: new Set(ours).size };
}

describe('OccWorld export and import', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
    dir = mkdtempSync(path.join(tmpdir(), 'ts-occworld-export-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes OccWorld names and model dict; re-imports to the same tokens', async () => {
    const tok = new Tokenizer(cfg, encoding);
    const { frame } = scene();
    const x = tf.tensor4d(frame, [1, Z * C, Y, X]);
    // One training step, so the export is not the initial weights.
    const trainer = new Trainer(tok);
    await trainer.trainStep(x);
    const out = path.join(dir, 'export');
    const result = await exportForPyTorch(tok, cfg, out, input);
    expect(readdirSync(out).sort()).toEqual(['codebook.npy', 'config.json', 'model.safetensors']);
    const json = result.config as unknown as { arch: string; model: { encoder_cfg: unknown } };
    expect(json.arch).toBe('occworld');
    expect(json.model.encoder_cfg).toEqual(smallOccWorldConfig().encoder_cfg);
    const names = Object.keys((await readSafetensors(path.join(out, 'model.safetensors'))).tensors);
    expect(names).toContain('encoder.down.1.attn.0.proj_out.weight');
    expect(names).toContain('vqvae.embedding.weight');
    expect(names).toContain('class_embeds.weight');
    const imp = await importFromPyTorch(out);
    expect(imp.config.model).toEqual(cfg.model);
    const again = new Tokenizer(imp.config, imp.input!.encoding);
    again.loadStateDict(imp.stateDict);
    disposeStateDict(imp.stateDict);
    const [a, b] = [tok.encode(x), again.encode(x)];
    expect(Array.from((await b.indices.data()) as Int32Array)).toEqual(Array.from((await a.indices.data()) as Int32Array));
    tf.dispose([a.indices, a.quantError, b.indices, b.quantError, x]);
    trainer.dispose();
    tok.dispose();
    again.dispose();
  }, 60_000);

  it.skipIf(!torch.ok)(`loads in the PyTorch twin with strict=True and gives the same tokens${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, async () => {
    const out = path.join(dir, 'export');
    const tok = new Tokenizer(cfg, encoding);
    const imp = await importFromPyTorch(out);
    tok.loadStateDict(imp.stateDict);
    disposeStateDict(imp.stateDict);
    const r = await cellsLikeTwin(tok, out, dir);
    expect(r.same).toBe(r.cells);
    tok.dispose();
  }, 60_000);

  it.skipIf(!torch.ok)(`opens OccWorld's own .pth (torch.save of {state_dict, optimizer, epoch}) beside its model dict, with PyTorch's tokens${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, async () => {
    const out = path.join(dir, 'export');
    const run = path.join(dir, 'occworld-run');
    rmSync(run, { recursive: true, force: true });
    // As OccWorld's training script saves an epoch: the model's state dict beside an AdamW state; its model dict as config.json.
    runPython(
      String.raw`
import json, os, sys, torch
sys.path.insert(0, sys.argv[2])
from occworld_vae import load_occworld
model = load_occworld(sys.argv[1])
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
os.makedirs(sys.argv[3])
torch.save({'state_dict': model.state_dict(), 'optimizer': opt.state_dict(), 'epoch': 3}, os.path.join(sys.argv[3], 'epoch_3.pth'))
json.dump(json.load(open(os.path.join(sys.argv[1], 'config.json')))['model'], open(os.path.join(sys.argv[3], 'config.json'), 'w'))
`,
      [out, path.join(repoRoot, 'resources/pytorch'), run],
    );
    const imp = await importTorchCheckpoint(path.join(run, 'epoch_3.pth'));
    expect(imp.architecture).toBe('occworld');
    expect(imp.extra.epoch).toBe(3);
    const tok = buildImportedTokenizer(imp, encoding, 'epoch_3.pth');
    disposeStateDict(imp.stateDict);
    const r = await cellsLikeTwin(tok, out, dir);
    expect(r.same).toBe(r.cells);
    expect(r.distinct).toBeGreaterThan(1);
    tok.dispose();
  }, 120_000);

  it('opens a bare OccWorld model dict beside its state dict; refuses one that disagrees, naming the tensor', async () => {
    const bare = path.join(dir, 'bare');
    rmSync(bare, { recursive: true, force: true });
    const occ = smallOccWorldConfig();
    const tok = new Tokenizer(cfg, encoding);
    await exportForPyTorch(tok, cfg, bare, input);
    writeFileSync(path.join(bare, 'config.json'), JSON.stringify(occ));
    const imp = await importFromPyTorch(bare);
    expect(imp.config.model.arch).toBe('occworld');
    expect(imp.input?.encoding).toEqual(encoding);
    disposeStateDict(imp.stateDict);
    const wider = { ...occ, vqvae_cfg: { ...occ.vqvae_cfg, n_e: 128 } };
    writeFileSync(path.join(bare, 'config.json'), JSON.stringify(wider));
    const cfgFile = path.join(bare, 'config.json');
    await expect(importFromPyTorch(bare)).rejects.toThrow(
      `${path.join(bare, 'model.safetensors')}: does not match ${cfgFile}: vqvae.embedding.weight is [64, 8] but the config needs [128, 8]`,
    );
    expect(existsSync(path.join(bare, 'model.safetensors'))).toBe(true);
    tok.dispose();
  }, 60_000);

  it('opens from a model dict and a lazily read state dict (a .pth reader\'s), checking every shape before reading', async () => {
    const out = path.join(dir, 'export');
    const json = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')) as unknown;
    const file = await readSafetensors(path.join(out, 'model.safetensors'));
    let reads = 0;
    const lazy = new Map(
      Object.entries(file.tensors).map(([k, t]) => [k, { dtype: 'float32', shape: t.shape, read: () => (reads++, Promise.resolve(t.data as Float32Array)) }]),
    );
    const { tokenizer } = await openOccWorldTokenizer({ model: (json as { model: unknown }).model }, lazy, 'model.pth');
    expect(reads).toBe(lazy.size);
    const imp = await importFromPyTorch(out);
    const ref = new Tokenizer(imp.config, encoding);
    ref.loadStateDict(imp.stateDict);
    disposeStateDict(imp.stateDict);
    const x = tf.tensor4d(scene().frame, [1, Z * C, Y, X]);
    const [a, b] = [ref.encode(x), tokenizer.encode(x)];
    expect(Array.from((await b.indices.data()) as Int32Array)).toEqual(Array.from((await a.indices.data()) as Int32Array));
    tf.dispose([a.indices, a.quantError, b.indices, b.quantError, x]);
    ref.dispose();
    tokenizer.dispose();
    // A wrong shape is refused before any tensor is read.
    reads = 0;
    const name = 'decoder.up.0.block.0.conv1.weight';
    const wrong = new Map(lazy);
    wrong.set(name, { ...lazy.get(name)!, shape: [32, 32, 3, 3] });
    await expect(openOccWorldTokenizer(json, wrong, 'model.pth')).rejects.toThrow(`model.pth: ${name} is [32, 32, 3, 3] but the config needs [32, 64, 3, 3]`);
    expect(reads).toBe(0);
  }, 60_000);
});

