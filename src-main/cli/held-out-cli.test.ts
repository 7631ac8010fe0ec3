/**
 * `tokenscope train --held-out-every`: listed by --help, a real run (a child process) prints the
 * held-out figures in its lines, reports them at the evaluated steps, and the checkpoint keeps the
 * setting and the history's held-out values; 0 turns it off.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { loadCheckpoint } from '../engine/checkpoint/checkpoint';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');

function tokenscope(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 240_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('tokenscope train --held-out-every', () => {
  let dir = '';
  beforeAll(async () => {
    await initBackend({ prefer: ['cpu'] });
    dir = await mkdtemp(path.join(tmpdir(), 'ts-heldout-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints and saves the held-out recon and mIoU; 0 is off', async () => {
    const help = await tokenscope(['train', '--help'], dir);
    expect(help.stdout).toContain('--held-out-every');
    const small = ['--frames', '8', '--size', '32', '--batch', '2', '--crop', '16', '--hidden', '8', '--latent', '4', '-K', '16'];
    const ckpt = path.join(dir, 'ho.ckpt');
    const r = await tokenscope(['train', '--steps', '5', ...small, '--held-out-every', '2', '--json', '-o', ckpt], dir);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { metrics: { heldOutRecon?: number; heldOutMiou?: number; heldOutStep?: number } };
    expect(out.metrics.heldOutStep).toBe(5);
    expect(out.metrics.heldOutRecon).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/held-out recon \d+\.\d{4} mIoU \d\.\d{3} \(step 5\)/);
    const snap = await loadCheckpoint(ckpt);
    expect(snap.config.heldOutEvery).toBe(2);
    expect(snap.metrics.map((m) => m.heldOutStep)).toEqual([undefined, 2, 2, 4, 5]);
    tf.dispose(Object.values(snap.weights));

    const off = await tokenscope(['train', '--steps', '2', ...small, '--held-out-every', '0', '--json', '-o', path.join(dir, 'off.ckpt')], dir);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stderr).not.toContain('held-out');
    expect(JSON.parse(off.stdout.trim().split('\n').at(-1)!).metrics.heldOutRecon).toBeUndefined();
  });
});
