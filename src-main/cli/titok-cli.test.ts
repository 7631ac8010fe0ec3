import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../data/npy';
import { titokModelOptions } from './titok-options';

/** `tokenscope train --arch titok`: a 1D tokenizer from the terminal, its export and token files `[T, N]`. */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 300_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr }),
    );
  });
}

describe('tokenscope train --arch titok', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-titok-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('maps --tokens/--titok-layers/--titok-heads onto the model (and they imply the architecture)', () => {
    expect(titokModelOptions({})).toEqual({});
    expect(titokModelOptions({ tokens: 8, titokHeads: 2 })).toEqual({ arch: 'titok', titok: { tokens: 8, heads: 2 } });
  });

  it('trains, exports [T, N] tokens with arch titok, and encodes to [T, N]', async () => {
    const ckpt = path.join(dir, 't.ckpt');
    const t = await run(['train', '--arch', 'titok', '--tokens', '8', '--hidden', '8', '--latent', '4', '-K', '16', '--steps', '2', '--batch', '1', '-o', ckpt, '--export', 'exp'], dir);
    expect(t.code, t.stderr).toBe(0);
    const cfg = JSON.parse(await readFile(path.join(dir, 'exp', 'config.json'), 'utf8')) as { arch: string; model: { tokens: number } };
    expect(cfg.arch).toBe('titok');
    expect(cfg.model.tokens).toBe(8);
    const exported = await readNpy(path.join(dir, 'exp', 'tokens.npy'));
    expect(exported.shape.length).toBe(2);
    expect(exported.shape[1]).toBe(8);
    const e = await run(['encode', ckpt, '-o', 'tokens.npy'], dir);
    expect(e.code, e.stderr).toBe(0);
    const encoded = await readNpy(path.join(dir, 'tokens.npy'));
    expect(encoded.shape).toEqual(exported.shape);
    expect(Array.from(encoded.data as Int32Array)).toEqual(Array.from(exported.data as Int32Array));
  });
});
