import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readNpy } from '../data/npy';
import { loadOnnxRuntime } from '../engine/onnx/onnx-runtime';
import { createProceduralSequence } from '../data/procedural-scene';
import { runTokenscope as run } from './test-cli-runner';

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

    const auto = await run(['encode', ckpt, ...scene, '-o', 'auto.npy'], dir);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toMatch(/encoded 6 frames with ONNX Runtime \d+\.\d+\.\d+ \(CPU\), \d+ workers?/);

    const tfjs = await run(['encode', ckpt, ...scene, '-o', 'tfjs.npy', '--encode-engine', 'tfjs'], dir);
    expect(tfjs.code, tfjs.stderr).toBe(0);
    expect(tfjs.stderr).toMatch(/encoded 6 frames with TensorFlow\.js wasm, \d+ workers?/);

    const named = await run(['encode', ckpt, ...scene, '-o', 'named.npy', '--backend', 'wasm'], dir);
    expect(named.stderr).toMatch(/encoded 6 frames with TensorFlow\.js wasm/);

    const a = await readNpy(path.join(dir, 'auto.npy'));
    const b = await readNpy(path.join(dir, 'tfjs.npy'));
    expect(a.shape).toEqual([6, 8, 8]);
    expect(b.shape).toEqual(a.shape);
    let differ = 0;
    for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) differ++;
    // Near-ties only (summation order): none expected at this size, one tolerated.
    expect(differ).toBeLessThanOrEqual(1);

    // The export's encoder.onnx, run by ONNX Runtime on the scene's frames, gives the exported tokens.
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
    const exported = await readNpy(path.join(dir, 'exp', 'tokens.npy'));
    expect(out.ids!.dims).toEqual([6, 8, 8]);
    expect(Array.from(out.ids!.data as Int32Array)).toEqual(Array.from(exported.data as Int32Array));
    await session.release();

    const bad = await run(['encode', ckpt, ...scene, '-o', 'x.npy', '--encode-engine', 'cuda'], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('expected one of auto, tfjs, onnxruntime');
  }, 600_000);
});
