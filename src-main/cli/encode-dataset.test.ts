import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOcc3dTree } from '../data/occ3d-test-tree';
import { classEncoding } from '../data/palette';
import { OCC3D_SAMPLE } from '../data/test-paths';
import { saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { useWasmBackend } from '../engine/quantizers/test-backend';
import { Tokenizer } from '../engine/tokenizer';
import { SMALL_CONFIG } from '../service/test-config';

/** `tokenscope encode MODEL DATASET -o DIR` killed part-way (SIGKILL) and run again: it resumes. */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');

function run(args: string[], onSpawn?: (kill: () => void) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    onSpawn?.(() => p.kill('SIGKILL'));
  });
}

let tmp: string;
let root: string;
let ckpt: string;

beforeAll(async () => {
  await useWasmBackend();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tokenscope-encode-ds-'));
  root = path.join(tmp, 'occ3d');
  await buildOcc3dTree(root, OCC3D_SAMPLE, [
    { name: 'scene-0003', split: 'val', frames: 2 },
    { name: 'scene-0001', split: 'train', frames: 2 },
    { name: 'scene-0002', split: 'train', frames: 2 },
  ]);
  const cfg = { ...SMALL_CONFIG, model: { ...SMALL_CONFIG.model, inChannels: 288 } };
  const tok = new Tokenizer(cfg, classEncoding(16));
  const weights = tok.stateDict();
  ckpt = path.join(tmp, 'tok.ckpt');
  await saveCheckpoint(ckpt, { config: cfg, step: 1, weights, optimizer: null, metrics: [] });
  tf.dispose(Object.values(weights));
  tok.dispose();
}, 120_000);

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('tokenscope encode on a whole dataset', () => {
  it('killed after its first scene, then run again: every scene once, nothing half-written listed', async () => {
    const out = path.join(tmp, 'tokens');
    const index = path.join(out, 'index.json');
    const first = await run(['encode', ckpt, root, '-o', out, '--workers', '1'], (kill) => {
      const poll = setInterval(() => {
        if (existsSync(index)) {
          clearInterval(poll);
          kill();
        }
      }, 20);
    });
    expect(first.code).not.toBe(0);
    const listed = JSON.parse(await fs.readFile(index, 'utf8')).scenes.map((e: { scene: string }) => e.scene);
    expect(listed.length).toBeGreaterThanOrEqual(1);
    expect(listed.length).toBeLessThan(3);

    const second = await run(['encode', ckpt, root, '-o', out, '--workers', '1']);
    expect(second.stderr).not.toMatch(/tokenscope encode:/);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`index\\.json\\t3 scene\\(s\\): ${3 - listed.length} encoded, ${listed.length} already done`));
    const j = JSON.parse(await fs.readFile(index, 'utf8'));
    expect(j.scenes.map((e: { scene: string }) => e.scene)).toEqual(['scene-0001', 'scene-0002', 'scene-0003']);
    expect(j.scenes.map((e: { split: string }) => e.split)).toEqual(['train', 'train', 'val']);
    expect((await fs.readdir(out)).sort()).toEqual(['index.json', 'scene-0001.npy', 'scene-0002.npy', 'scene-0003.npy']);
  }, 600_000);

  it('--split writes only that split; --split without a dataset folder is a usage error', async () => {
    const out = path.join(tmp, 'val');
    const r = await run(['encode', ckpt, root, '-o', out, '--split', 'val', '--workers', '1']);
    expect(r.code).toBe(0);
    expect(JSON.parse(await fs.readFile(path.join(out, 'index.json'), 'utf8')).scenes.map((e: { scene: string }) => e.scene)).toEqual(['scene-0003']);
    const bad = await run(['encode', ckpt, root, '-o', path.join(tmp, 'x.npy'), '--split', 'val']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--split needs a dataset/);
  }, 300_000);
});
