import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../data/npy';

/**
 * `tokenscope train --arch hierarchical` on the procedural scene: the help lists it, the run
 * saves a checkpoint that `info` describes per level, the export holds both codebooks and both
 * token grids, and a bad option is refused with the field named.
 */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 300_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr }),
    );
  });
}

describe('tokenscope CLI with the hierarchical (VQ-VAE-2) architecture', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-hier-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains, reports both levels and exports both grids', async () => {
    const help = await run(['train', '--help'], dir);
    expect(help.stdout).toMatch(/--arch <arch>[\s\S]*hierarchical/);
    const ckpt = path.join(dir, 'h.ckpt');
    const args = ['--frames', '3', '--size', '32', '--arch', 'hierarchical', '--hidden', '8', '--latent', '4', '-K', '16', '--steps', '3', '--batch', '2'];
    const t = await run(['train', ...args, '-o', ckpt, '--export', 'exp'], dir);
    expect(t.stderr + t.stdout).not.toMatch(/error/i);
    expect(t.code).toBe(0);
    const info = await run(['info', ckpt], dir);
    expect(info.stdout).toMatch(/VQ-VAE-2 \(hierarchical\)/);
    expect(info.stdout).toMatch(/EMA counts top +\d+ of 16 codes with EMA count/);
    expect(info.stdout).toMatch(/EMA counts bottom +\d+ of 16 codes with EMA count/);
    expect((await readdir(path.join(dir, 'exp'))).sort()).toEqual([
      'codebook_bottom.npy',
      'codebook_top.npy',
      'config.json',
      'model.safetensors',
      'tokens_bottom.npy',
      'tokens_top.npy',
    ]);
    expect((await readNpy(path.join(dir, 'exp', 'tokens_top.npy'))).shape).toEqual([3, 4, 4]);
    expect((await readNpy(path.join(dir, 'exp', 'tokens_bottom.npy'))).shape).toEqual([3, 8, 8]);

    const bad = await run(['train', ...args, '--stages', '3', '-o', path.join(dir, 'bad.ckpt')], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/config\.model\.stages: .*got 3/);
  }, 300_000);
});
