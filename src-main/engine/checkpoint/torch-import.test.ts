import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { importFromPyTorch, disposeStateDict } from './export';
import { probePython } from './python-check';
import { importTorchCheckpoint } from './torch-import';
import { makeTwinCheckpoints } from './torch-twin-fixtures';

/** importTorchCheckpoint: the .pth path into the same import as an export folder, and its refusals. */

const py = probePython(['torch', 'numpy']);
let dir = '';
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-torch-import-'));
  if (py.ok) makeTwinCheckpoints(dir);
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('config.json names its weights only beside it', () => {
  it('refuses a "weights" that points elsewhere', async () => {
    const d = path.join(dir, 'escape');
    await fs.mkdir(d, { recursive: true });
    await fs.writeFile(path.join(d, 'config.json'), JSON.stringify({ format: 'tokenscope-tokenizer', version: 1, weights: '../../etc/passwd', model: { in_channels: 3, out_channels: 3, hidden: 8, latent_dim: 4, stages: 2 }, quantizer: { kind: 'vq', codebook_size: 16 } }));
    await expect(importFromPyTorch(d)).rejects.toThrow(/config\.json: "weights" must be a file name inside the export folder, not a path \(got "\.\.\/\.\.\/etc\/passwd"\)/);
  });
});

describe.skipIf(!py.ok)(`importTorchCheckpoint${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  it('gives the state dict, epoch and settings of a .pth, and makes no tensor when the config disagrees', async () => {
    const file = path.join(dir, 'trained/epoch_3.pth');
    const before = tf.memory().numTensors;
    await expect(importTorchCheckpoint(file, { config: path.join(dir, 'configs/wrong.json') })).rejects.toThrow(/epoch_3\.pth: does not match/);
    expect(tf.memory().numTensors).toBe(before);
    const imp = await importTorchCheckpoint(file, { config: path.join(dir, 'configs/tokenizer.json') });
    try {
      expect(imp.architecture).toBe('tokenscope-tokenizer');
      expect(imp.extra.epoch).toBe(3);
      expect(imp.config.quantizer).toMatchObject({ kind: 'vq', codebookSize: 16 });
      expect(imp.stateDict['encoder.net.0.weight']!.shape).toEqual([8, 3, 4, 4]);
      expect(imp.stateDict['quantizer.embedding.weight']!.shape).toEqual([16, 4]);
      expect(Object.keys(imp.stateDict).some((k) => k.startsWith('module.'))).toBe(false);
    } finally {
      disposeStateDict(imp.stateDict);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
