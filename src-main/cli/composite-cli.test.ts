import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../data/npy';

/**
 * `tokenscope train` with the composite quantizers' flags on the procedural scene: the options
 * are listed in --help, reach the checkpoint config and the export's config.json, and the
 * exported tokens are [T, h, w, depth].
 */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 300_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr }),
    );
  });
}

const SMALL = ['--hidden', '8', '--steps', '2', '--batch', '1', '--crop', '16'];

describe('tokenscope train with composite quantizers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-composite-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the kinds and the multi-head options in --help', async () => {
    const h = await run(['train', '--help'], dir);
    expect(h.code).toBe(0);
    for (const s of ['rfsq', 'rlfq', 'mhvq', '--heads', '--compose', '--projection', '--disentangle']) expect(h.stdout).toContain(s);
  });

  it('mhvq: --heads/--compose/--projection/--disentangle reach the checkpoint and the export; tokens [T, h, w, heads]', async () => {
    const ckpt = path.join(dir, 'mh.ckpt');
    const t = await run(['train', ...SMALL, '-q', 'mhvq', '--latent', '8', '-K', '16', '--heads', '2', '--compose', 'sum', '--projection', 'learned', '--disentangle', '0.3', '-o', ckpt, '--export', 'mh'], dir);
    expect(t.stderr).toContain('saved');
    expect(t.code).toBe(0);
    const cfg = JSON.parse(await readFile(path.join(dir, 'mh', 'config.json'), 'utf8'));
    expect(cfg.quantizer).toMatchObject({ kind: 'mhvq', depth: 2, codebook_size: 16, compose: 'sum', projection: 'learned', disentangle_weight: 0.3 });
    expect(cfg.train.quantizer).toMatchObject({ kind: 'mhvq', depth: 2, compose: 'sum', projection: 'learned', disentangleWeight: 0.3 });
    const tokens = await readNpy(path.join(dir, 'mh', 'tokens.npy'));
    expect(tokens.shape.length).toBe(4);
    expect(tokens.shape[3]).toBe(2);
    const codebook = await readNpy(path.join(dir, 'mh', 'codebook.npy'));
    expect(codebook.shape).toEqual([2, 16, 8]);
    const info = await run(['info', ckpt], dir);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain('mhvq');
  }, 600_000);

  it('rfsq and rlfq: --depth levels, tokens [T, h, w, depth]', async () => {
    for (const [kind, extra] of [['rfsq', ['--levels', '8,5,5,5']], ['rlfq', ['--latent', '6']]] as const) {
      const t = await run(['train', ...SMALL, '-q', kind, ...extra, '--depth', '3', '-o', path.join(dir, `${kind}.ckpt`), '--export', kind], dir);
      expect(t.code, t.stderr).toBe(0);
      const cfg = JSON.parse(await readFile(path.join(dir, kind, 'config.json'), 'utf8'));
      expect(cfg.quantizer).toMatchObject({ kind, depth: 3 });
      expect(cfg.token_depth).toBe(3);
      const tokens = await readNpy(path.join(dir, kind, 'tokens.npy'));
      expect(tokens.shape[3]).toBe(3);
    }
  }, 600_000);
});
