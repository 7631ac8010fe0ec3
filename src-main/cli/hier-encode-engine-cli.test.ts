import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readNpy } from '../data/npy';
import { createProceduralSequence } from '../data/procedural-scene';
import { splitLevels } from '../engine/hierarchical/hier-levels';
import { loadOnnxRuntime } from '../engine/onnx/onnx-runtime';
import { runTokenscope as run } from './test-cli-runner';

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

    const auto = await run(['encode', ckpt, ...scene, '-o', 'auto.npy'], dir);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toMatch(/encoded 6 frames with ONNX Runtime \d+\.\d+\.\d+ \(CPU\), \d+ workers?/);
    const tfjs = await run(['encode', ckpt, ...scene, '-o', 'tfjs.npy', '--encode-engine', 'tfjs'], dir);
    expect(tfjs.code, tfjs.stderr).toBe(0);
    expect(tfjs.stderr).toMatch(/encoded 6 frames with TensorFlow\.js/);
    const a = await readNpy(path.join(dir, 'auto.npy'));
    const b = await readNpy(path.join(dir, 'tfjs.npy'));
    expect(b.shape).toEqual(a.shape);
    expect(a.data.length).toBe(6 * 8 * 8 * 2);
    let differ = 0;
    for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) differ++;
    // Near-ties only (summation order): at most 0.2 %.
    expect(differ).toBeLessThanOrEqual(Math.ceil(a.data.length * 0.002));

    const ex = await run(['export', ckpt, 'exp', ...scene, '--onnx'], dir);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toContain('encoder.onnx');
    const rt = loadOnnxRuntime();
    if ('error' in rt) throw new Error(rt.error);
    const session = await rt.ort.InferenceSession.create(await readFile(path.join(dir, 'exp', 'encoder.onnx')), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionProviders: ['cpu'],
    });
    const seq = createProceduralSequence({ frames: 6, size: 32 });
    const per = seq.channels * 32 * 32;
    const x = new Float32Array(6 * per);
    for (let i = 0; i < 6; i++) x.set((await seq.getFrame(i)).data, i * per);
    const out = await session.run({ x: new rt.ort.Tensor('float32', x, [6, seq.channels, 32, 32]) });
    await session.release();
    expect(out.ids!.dims).toEqual([6, 8, 8, 2]);
    expect(out.err!.dims).toEqual([6, 8, 8]);
    const levels = splitLevels(out.ids!.data as Int32Array, 6, 8, 8);
    const top = await readNpy(path.join(dir, 'exp', 'tokens_top.npy'));
    const bottom = await readNpy(path.join(dir, 'exp', 'tokens_bottom.npy'));
    expect(top.shape).toEqual([6, 4, 4]);
    expect(bottom.shape).toEqual([6, 8, 8]);
    expect(Array.from(levels.top.ids)).toEqual(Array.from(top.data as Int32Array));
    expect(Array.from(levels.bottom.ids)).toEqual(Array.from(bottom.data as Int32Array));
  }, 600_000);
});
