import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readNpy } from '../data/npy';
import { OCC3D_SAMPLE } from '../data/test-paths';
import { loadOnnxRuntime } from '../engine/onnx/onnx-runtime';
import { runTokenscope as run } from './test-cli-runner';

/**
 * `tokenscope encode` of an OccWorld VAERes2D checkpoint on the real Occ3D frame: ONNX Runtime by
 * default on a CPU (occworld-graph.ts), TensorFlow.js when asked for, the same tokens.
 */

const ort = loadOnnxRuntime();
const why = 'error' in ort ? ort.error : '';
if (why) console.warn(`[skip] OccWorld encode-engine CLI: ONNX Runtime absent: ${why}`);

describe.skipIf(Boolean(why))(`tokenscope encode of an OccWorld checkpoint --encode-engine${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-occworld-onnx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('encodes with ONNX Runtime by default and says so; --encode-engine tfjs gives the same tokens', async () => {
    const ckpt = path.join(dir, 'ow.ckpt');
    const small = ['--arch', 'occworld', '--hidden', '8', '--latent', '8', '-K', '32', '--steps', '2', '--batch', '1', '--crop', '32', '--no-lovasz'];
    const t = await run(['train', OCC3D_SAMPLE, ...small, '-o', ckpt], dir);
    expect(t.code, t.stderr).toBe(0);

    const auto = await run(['encode', ckpt, OCC3D_SAMPLE, '-o', 'auto.npy'], dir);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toMatch(/encoded 1 frames? with ONNX Runtime \d+\.\d+\.\d+ \(CPU\), \d+ workers?/);

    const tfjs = await run(['encode', ckpt, OCC3D_SAMPLE, '-o', 'tfjs.npy', '--encode-engine', 'tfjs'], dir);
    expect(tfjs.code, tfjs.stderr).toBe(0);
    expect(tfjs.stderr).toMatch(/encoded 1 frames? with TensorFlow\.js/);

    const a = await readNpy(path.join(dir, 'auto.npy'));
    const b = await readNpy(path.join(dir, 'tfjs.npy'));
    expect(a.shape).toEqual([1, 50, 50]);
    expect(b.shape).toEqual(a.shape);
    let differ = 0;
    for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) differ++;
    expect(new Set(b.data as Int32Array).size).toBeGreaterThan(1);
    // Near-ties only (summation order): a few of 2,500 tolerated.
    expect(differ).toBeLessThanOrEqual(3);
    console.log(`OccWorld CLI encode: ${differ}/2500 tokens differ between ONNX Runtime and TensorFlow.js, ${new Set(b.data as Int32Array).size} distinct`);
  }, 600_000);
});
