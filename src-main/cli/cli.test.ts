import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../data/npy';

/** The `tokenscope` command run as a user runs it: a child process of bin/tokenscope.mjs. */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');
const SCENE = ['--frames', '4', '--size', '32'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tokenscope(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 240_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
let ckpt: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-cli-'));
  ckpt = path.join(dir, 'runs', 'tok.ckpt');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tokenscope CLI', () => {
  it('lists every command, with --help on each', async () => {
    const top = await tokenscope(['--help'], dir);
    expect(top.code).toBe(0);
    for (const c of ['train', 'encode', 'decode', 'export', 'info', 'serve', 'predict', 'evaluate']) expect(top.stdout).toContain(c);
    const train = await tokenscope(['train', '--help'], dir);
    expect(train.code).toBe(0);
    expect(train.stdout).toContain('--steps <n>');
    expect(train.stdout).toContain('--quantizer <kind>');
  });

  it('trains on the procedural scene by default: banner, progress with ETA, a checkpoint', async () => {
    const r = await tokenscope(['train', '--steps', '3', ...SCENE, '--batch', '2', '--crop', '16', '--hidden', '8', '--latent', '4', '-K', '16', '-o', ckpt], dir);
    expect(r.stderr).toMatch(/^tokenscope \d+\.\d+\.\d+ · backend: (wasm|cpu|tensorflow)/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/train .* 100% 3\/3 took/);
    expect(r.stdout).toContain(`${ckpt}\tstep 3\tloss `);
    expect((await stat(ckpt)).size).toBeGreaterThan(1000);

    const info = await tokenscope(['info', ckpt], dir);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/step\s+3 of 3/);
    expect(info.stdout).toMatch(/quantizer\s+vq, codebook 16/);
    expect(info.stdout).toMatch(/token grid\s+8 × 8/);
    // One meaning of "dead" (issue 11): train's last line and info give the same figures over the same, named window.
    const trained = /util (\d+)%\s+dead (\d+)\s+\((last \d+ training batches[^)]*)\)/.exec(r.stdout);
    const told = /util ([\d.]+)%, perplexity [\d.]+, dead (\d+) \((last \d+ training batches[^)]*)\)/.exec(info.stdout);
    expect(trained && told).toBeTruthy();
    expect(told![2]).toBe(trained![2]);
    expect(told![3]).toBe(trained![3]);
    expect(Math.round(Number(told![1]))).toBe(Number(trained![1]));
    expect(info.stdout).not.toMatch(/\d+ dead \(EMA/);
  });

  it('encodes to .npy tokens, decodes them back to class maps, and exports for PyTorch', async () => {
    const tokens = path.join(dir, 'tokens.npy');
    const enc = await tokenscope(['encode', ckpt, ...SCENE, '-o', tokens], dir);
    expect(enc.code).toBe(0);
    const t = await readNpy(tokens);
    expect([t.dtype, ...t.shape]).toEqual(['int32', 4, 8, 8]);
    expect(Array.from(t.data as Int32Array).every((id) => id >= 0 && id < 16)).toBe(true);

    const frames = path.join(dir, 'frames.npy');
    const dec = await tokenscope(['decode', ckpt, tokens, '-o', frames], dir);
    expect(dec.code).toBe(0);
    const f = await readNpy(frames);
    expect([f.dtype, ...f.shape]).toEqual(['uint8', 4, 1, 32, 32]);
    expect(Array.from(f.data as Uint8Array).every((c) => c < 18)).toBe(true);

    const out = path.join(dir, 'export');
    const exp = await tokenscope(['export', ckpt, out, ...SCENE], dir);
    expect(exp.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['codebook.npy', 'config.json', 'model.safetensors', 'tokens.npy']);
  });

  it('predicts with the copy-last baseline and evaluates the written predictions to the same table', async () => {
    const pred = path.join(dir, 'pred.npy');
    const p = await tokenscope(['predict', ckpt, ...SCENE, '--baseline', 'copy', '--context', '1', '-o', pred, '--json'], dir);
    expect(p.code).toBe(0);
    const predicted = JSON.parse(p.stdout.trim().split('\n').at(-1)!) as { startFrame: number; rows: { horizon: number; accuracy: number }[] };
    expect(predicted.startFrame).toBe(1);
    expect(predicted.rows.map((r) => r.horizon)).toEqual([1, 2, 3]);
    const e = await tokenscope(['evaluate', ckpt, pred, ...SCENE, '--offset', '1', '--json'], dir);
    expect(e.code).toBe(0);
    const evaluated = JSON.parse(e.stdout.trim().split('\n').at(-1)!) as { rows: { accuracy: number }[] };
    expect(evaluated.rows.map((r) => r.accuracy)).toEqual(predicted.rows.map((r) => r.accuracy));
  });

  it('serves the browser mode: prints the tokened URL, refuses requests without it, stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', ...SCENE, '--port', '0'], { cwd: dir });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed; stdout: ${stdout}`)), 60_000);
        child.stdout.on('data', () => {
          const m = /TokenScope: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48})/.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const refused = await fetch(url.replace(/\?token=.*/, ''));
      expect(refused.status).toBe(403);
      const page = await fetch(url);
      // 200 with a built renderer, 503 (saying how to build it) without one: never 403 with the token.
      expect([200, 503]).toContain(page.status);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('fails with one clear line and a non-zero exit on bad input', async () => {
    const missing = await tokenscope(['info', 'nope.ckpt'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('tokenscope info: nope.ckpt: no such checkpoint file or export folder');
    const badOption = await tokenscope(['train', '--steps', 'many'], dir);
    expect(badOption.code).not.toBe(0);
    expect(badOption.stderr).toContain("option '--steps <n>' argument 'many' is invalid");
  });
});
