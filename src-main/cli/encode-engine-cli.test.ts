import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readNpy } from '../data/npy';
import { loadOnnxRuntime } from '../engine/onnx/onnx-runtime';
import { runTokenscope as run } from './test-cli-runner';
import { encodeOnBothEngines, proceduralBatch, runExportedEncoder } from './test-onnx-cli';

/** `tokenscope encode` on ONNX Runtime (the default on a CPU) and on TensorFlow.js, from the terminal. */

const ort = loadOnnxRuntime();
const why = 'error' in ort ? ort.error : '';
if (why) console.warn(`[skip] encode-engine CLI: ONNX Runtime absent: ${why}`);

describe.skipIf(Boolean(why))(`tokenscope encode --encode-engine${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-encode-engine-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('encodes with ONNX Runtime by default and says so; --encode-engine tfjs and --backend wasm give TensorFlow.js and the same tokens', async () => {
    const scene = ['--frames', '6', '--size', '32'];
    const ckpt = path.join(dir, 'tok.ckpt');
    const t = await run(['train', '--steps', '3', ...scene, '--batch', '2', '--hidden', '8', '--latent', '4', '-K', '32', '-o', ckpt], dir);
    expect(t.code, t.stderr).toBe(0);

    const both = await encodeOnBothEngines(ckpt, scene, 6, dir);
    expect(both.stderr.tfjs).toMatch(/encoded 6 frames with TensorFlow\.js wasm, \d+ workers?/);

    const named = await run(['encode', ckpt, ...scene, '-o', 'named.npy', '--backend', 'wasm'], dir);
    expect(named.stderr).toMatch(/encoded 6 frames with TensorFlow\.js wasm/);

    expect(both.onnx.shape).toEqual([6, 8, 8]);
    // Near-ties only (summation order): none expected at this size, one tolerated.
    expect(both.differ).toBeLessThanOrEqual(1);

    // The export's encoder.onnx, run by ONNX Runtime on the scene's frames, gives the exported tokens.
    const ex = await run(['export', ckpt, 'exp', ...scene, '--onnx'], dir);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toContain('encoder.onnx');
    const { x, shape } = await proceduralBatch(6, 32);
    const out = await runExportedEncoder(path.join(dir, 'exp', 'encoder.onnx'), x, shape);
    const exported = await readNpy(path.join(dir, 'exp', 'tokens.npy'));
    expect(out.ids.dims).toEqual([6, 8, 8]);
    expect(Array.from(out.ids.data)).toEqual(Array.from(exported.data as Int32Array));

    const bad = await run(['encode', ckpt, ...scene, '-o', 'x.npy', '--encode-engine', 'cuda'], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('expected one of auto, tfjs, onnxruntime');
  }, 600_000);
});
