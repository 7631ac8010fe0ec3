import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `evaluate` lines predictions up with the data by the offset `predict` recorded in the side file,
 * and warns when nothing says where a file that does not cover the sequence starts (issue 11).
 */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');
const SCENE = ['--frames', '6', '--size', '32'];

function tokenscope(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 240_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr });
    });
  });
}

const lastJson = <T>(s: string): T => JSON.parse(s.trim().split('\n').at(-1)!) as T;
type Rows = { rows: { horizon: number; accuracy: number; copyLast: number | null }[]; startFrame?: number; offset?: number; mode?: string; alignedBy?: string; warning?: string };

let dir: string;
let ckpt: string;
let pred: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-align-'));
  ckpt = path.join(dir, 'tok.ckpt');
  pred = path.join(dir, 'pred.npy');
  const t = await tokenscope(['train', '--steps', '2', ...SCENE, '--batch', '2', '--crop', '16', '--hidden', '8', '--latent', '4', '-K', '16', '-o', ckpt], dir);
  expect(t.code).toBe(0);
  // A copy-last rollout from frame 2 (context 2): 4 predicted frames that stand for frames 2..5.
  const p = await tokenscope(['predict', ckpt, ...SCENE, '--baseline', 'copy', '--context', '2', '-o', pred, '--json'], dir);
  expect(p.code).toBe(0);
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('evaluate: alignment of predictions', () => {
  it('predict records the offset and mode in <file>.json; evaluate uses it without --offset and without a warning', async () => {
    expect(JSON.parse(await readFile(`${pred}.json`, 'utf8'))).toEqual({ offset: 2, mode: 'rollout' });
    const e = await tokenscope(['evaluate', ckpt, pred, ...SCENE, '--json'], dir);
    expect(e.code).toBe(0);
    const r = lastJson<Rows>(e.stdout);
    expect(r.offset).toBe(2);
    expect(r.alignedBy).toBe('side file');
    expect(r.warning).toBeUndefined();
    expect(e.stderr).not.toContain('warning');
    // Copy-last predictions are copy-last: the reference line equals the scores at every step.
    expect(r.rows.map((x) => x.horizon)).toEqual([1, 2, 3, 4]);
    expect(r.rows.map((x) => x.copyLast)).toEqual(r.rows.map((x) => x.accuracy));
    const given = lastJson<Rows>((await tokenscope(['evaluate', ckpt, pred, ...SCENE, '--offset', '2', '--json'], dir)).stdout);
    expect(given.rows).toEqual(r.rows);
  }, 300_000);

  it('without a side file or --offset: scores from frame 0 and warns that an offset must be given', async () => {
    const bare = path.join(dir, 'bare.npy');
    await copyFile(pred, bare);
    const e = await tokenscope(['evaluate', ckpt, bare, ...SCENE, '--json'], dir);
    expect(e.code).toBe(0);
    expect(e.stderr).toMatch(/warning: nothing says where the 4 predicted frames start.*--offset/);
    const r = lastJson<Rows>(e.stdout);
    expect(r.offset).toBe(0);
    expect(r.alignedBy).toBe('assumed');
    // Misaligned by two frames the same file scores differently from the aligned one.
    const aligned = lastJson<Rows>((await tokenscope(['evaluate', ckpt, bare, ...SCENE, '--offset', '2', '--json'], dir)).stdout);
    expect(r.rows.map((x) => x.accuracy)).not.toEqual(aligned.rows.map((x) => x.accuracy));
    const table = await tokenscope(['evaluate', ckpt, bare, ...SCENE, '--offset', '2'], dir);
    expect(table.stderr).not.toContain('warning');
    expect(table.stdout).toContain('one rollout of 4 frames from frame 2 (aligned by offset)');
    expect(table.stdout).toContain('copy-last acc');
  }, 300_000);

  it('--mode one-step scores every frame as 1 step ahead', async () => {
    const e = await tokenscope(['evaluate', ckpt, pred, ...SCENE, '--mode', 'one-step', '--json'], dir);
    expect(e.code).toBe(0);
    const r = lastJson<Rows>(e.stdout);
    expect(r.mode).toBe('one-step');
    expect(r.rows.map((x) => x.horizon)).toEqual([1]);
  }, 300_000);
});
