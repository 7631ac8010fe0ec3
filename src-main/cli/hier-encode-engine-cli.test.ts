import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readNpy } from '../data/npy';
import { splitLevels } from '../engine/hierarchical/hier-levels';
import { loadOnnxRuntime } from '../engine/onnx/onnx-runtime';
import { runTokenscope as run } from './test-cli-runner';
import { encodeOnBothEngines, proceduralBatch, runExportedEncoder } from './test-onnx-cli';

/**
 * A hierarchical (VQ-VAE-2) checkpoint from the terminal: `encode` runs on ONNX Runtime by
 * default now (hier-graph.ts) and gives TensorFlow.js's tokens, and `export --onnx` writes an
 * encoder.onnx whose ids are the exported top and bottom grids.
 */
const ort = loadOnnxRuntime();
const why = 'error' in ort ? ort.error : '';
if (why) console.warn(`[skip] hierarchical encode-engine CLI: ONNX Runtime absent: ${why}`);

describe.skipIf(Boolean(why))(`tokenscope encode / export --onnx, hierarchical${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-hier-onnx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('encodes with ONNX Runtime and says so, the tokens of --encode-engine tfjs; the exported encoder.onnx gives the exported grids', async () => {
    const scene = ['--frames', '6', '--size', '32'];
    const ckpt = path.join(dir, 'h.ckpt');
    const t = await run(['train', '--arch', 'hierarchical', '--steps', '3', ...scene, '--batch', '2', '--hidden', '8', '--latent', '4', '-K', '32', '-o', ckpt], dir);
    expect(t.code, t.stderr).toBe(0);

    const both = await encodeOnBothEngines(ckpt, scene, 6, dir);
    expect(both.onnx.data.length).toBe(6 * 8 * 8 * 2);
    // Near-ties only (summation order): at most 0.2 %.
    expect(both.differ).toBeLessThanOrEqual(Math.ceil(both.onnx.data.length * 0.002));

    const ex = await run(['export', ckpt, 'exp', ...scene, '--onnx'], dir);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toContain('encoder.onnx');
    const { x, shape } = await proceduralBatch(6, 32);
    const out = await runExportedEncoder(path.join(dir, 'exp', 'encoder.onnx'), x, shape);
    expect(out.ids.dims).toEqual([6, 8, 8, 2]);
    expect(out.err.dims).toEqual([6, 8, 8]);
    const levels = splitLevels(out.ids.data, 6, 8, 8);
    const top = await readNpy(path.join(dir, 'exp', 'tokens_top.npy'));
    const bottom = await readNpy(path.join(dir, 'exp', 'tokens_bottom.npy'));
    expect(top.shape).toEqual([6, 4, 4]);
    expect(bottom.shape).toEqual([6, 8, 8]);
    expect(Array.from(levels.top.ids)).toEqual(Array.from(top.data as Int32Array));
    expect(Array.from(levels.bottom.ids)).toEqual(Array.from(bottom.data as Int32Array));
  }, 600_000);
});
