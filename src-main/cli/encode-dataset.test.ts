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

/**
 * `tokenscope encode MODEL DATASET -o DIR` killed part-way (SIGKILL) and run again: it resumes.
 * `tokenscope evaluate` on a scene prints the Occ3D per-class table under the chosen mask.
 */
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

  it('evaluate on a scene adds the Occ3D per-class table of the reconstruction under --mask', async () => {
    const preds = path.join(tmp, 'preds.npy');
    const p = await run(['predict', ckpt, root, '--scene', 'scene-0002', '--baseline', 'copy', '-o', preds]);
    expect(p.stderr).not.toMatch(/tokenscope predict:/);
    expect(p.code).toBe(0);
    const text = await run(['evaluate', ckpt, preds, root, '--scene', 'scene-0002']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/reconstruction over 2 frame\(s\), Occ3D metrics, mask: camera/);
    expect(text.stdout).toMatch(/\ndriveable_surface\s+(\d+\.\d\d|-)\n/);
    expect(text.stdout).toMatch(/\nmIoU\s+\d+\.\d\d\n/);
    const j = JSON.parse((await run(['evaluate', ckpt, preds, root, '--scene', 'scene-0002', '--mask', 'lidar', '--json'])).stdout);
    expect(j.reconstruction.mask).toBe('lidar');
    expect(j.reconstruction.frames).toBe(2);
    expect(Object.keys(j.reconstruction.perClass)).toHaveLength(17);
    expect(j.reconstruction.miou).toBeGreaterThanOrEqual(0);
    expect(j.reconstruction.miou).toBeLessThanOrEqual(1);
  }, 300_000);
});
