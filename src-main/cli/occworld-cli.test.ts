import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../data/npy';
import { OCC3D_SAMPLE } from '../data/test-paths';
import { probePython, runPython } from '../engine/checkpoint/python-check';

/**
 * `tokenscope train --arch occworld` on the real Occ3D frame, then info, encode, decode (voxel
 * class ids in the source's own [T, X, Y, Z]) and export, which the PyTorch twin loads strictly.
 */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');
const TWIN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../resources/pytorch');
const torch = probePython(['torch']);

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 300_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr }),
    );
  });
}

const SMALL = ['--arch', 'occworld', '--hidden', '8', '--latent', '8', '-K', '32', '--steps', '2', '--batch', '1', '--crop', '32'];

describe('tokenscope CLI with OccWorld\'s architecture', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-occworld-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains, reports, encodes, decodes to [T, X, Y, Z] and exports', async () => {
    const ckpt = path.join(dir, 'ow.ckpt');
    const t = await run(['train', OCC3D_SAMPLE, ...SMALL, '--no-lovasz', '-o', ckpt, '--export', 'exp'], dir);
    expect(t.stderr).toContain('saved');
    expect(t.code).toBe(0);
    const info = await run(['info', ckpt], dir);
    expect(info.stdout).toContain('OccWorld VAERes2D: 18 classes × 16 heights (expansion 8), ch 8 × [1, 2, 4]');
    expect(info.stdout).toMatch(/token grid\s+50 × 50/);
    const tokens = path.join(dir, 'tok.npy');
    expect((await run(['encode', ckpt, OCC3D_SAMPLE, '-o', tokens], dir)).code).toBe(0);
    expect((await readNpy(tokens)).shape).toEqual([1, 50, 50]);
    const vox = path.join(dir, 'vox.npy');
    expect((await run(['decode', ckpt, tokens, '-o', vox], dir)).code).toBe(0);
    const v = await readNpy(vox);
    expect([v.dtype, ...v.shape]).toEqual(['uint8', 1, 200, 200, 16]);
    expect(Array.from(v.data as Uint8Array).every((c) => c < 18)).toBe(true);
    expect((await readdir(path.join(dir, 'exp'))).sort()).toEqual(['codebook.npy', 'config.json', 'model.safetensors', 'tokens.npy']);
    const expInfo = await run(['info', path.join(dir, 'exp')], dir);
    expect(expInfo.stdout).toContain('quantizer   vq, codebook 32 × 8');
  }, 600_000);

  it.skipIf(!torch.ok)(`export loads in the PyTorch twin with strict=True${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, () => {
    const out = runPython(
      `import sys; sys.path.insert(0, sys.argv[1])\nfrom occworld_vae import load_occworld\nm = load_occworld(sys.argv[2])\nprint(sum(p.numel() for p in m.parameters()))`,
      [TWIN_DIR, path.join(dir, 'exp')],
    );
    expect(Number(out.trim())).toBeGreaterThan(10_000);
  });

  it('refuses a bad --occworld-config, naming the file and the field', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ model: { type: 'VAERes2D', encoder_cfg: { ch: -1 } } }));
    const r = await run(['train', OCC3D_SAMPLE, '--occworld-config', bad, '--steps', '1'], dir);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${bad}: encoder_cfg.ch must be an integer in 1..1024, got -1`);
  }, 120_000);
});
