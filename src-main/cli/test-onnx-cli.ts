import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { expect } from 'vitest';
import { readNpy } from '../data/npy';
import { createProceduralSequence } from '../data/procedural-scene';
import { loadOnnxRuntime } from '../engine/onnx/onnx-runtime';
import { runTokenscope } from './test-cli-runner';

/**
 * What the encode-engine CLI tests (reference, VQ-VAE-2, TiTok) share: the procedural scene's
 * frames as one batch, `encode` on both engines, and an exported `encoder.onnx` run by ONNX
 * Runtime the way a deployment would.
 */

/** The procedural scene's first `frames` frames as one `[frames, C, size, size]` batch. */
export async function proceduralBatch(frames: number, size: number) {
  const seq = createProceduralSequence({ frames, size });
  const per = seq.channels * size * size;
  const x = new Float32Array(frames * per);
  for (let i = 0; i < frames; i++) x.set((await seq.getFrame(i)).data, i * per);
  const shape: [number, number, number, number] = [frames, seq.channels, size, size];
  return { x, shape, encoding: seq.encoding };
}

/**
 * `tokenscope encode CKPT SCENE` by default (it must say ONNX Runtime) and with
 * `--encode-engine tfjs` (TensorFlow.js), into `auto.npy` and `tfjs.npy` in `dir`; both tokens
 * of the same shape, how many differ, and what each run printed.
 */
export async function encodeOnBothEngines(ckpt: string, scene: string[], frames: number, dir: string) {
  const auto = await runTokenscope(['encode', ckpt, ...scene, '-o', 'auto.npy'], dir);
  expect(auto.code, auto.stderr).toBe(0);
  expect(auto.stderr).toMatch(new RegExp(`encoded ${frames} frames with ONNX Runtime \\d+\\.\\d+\\.\\d+ \\(CPU\\), \\d+ workers?`));
  const tfjs = await runTokenscope(['encode', ckpt, ...scene, '-o', 'tfjs.npy', '--encode-engine', 'tfjs'], dir);
  expect(tfjs.code, tfjs.stderr).toBe(0);
  expect(tfjs.stderr).toMatch(new RegExp(`encoded ${frames} frames with TensorFlow\\.js`));
  const a = await readNpy(path.join(dir, 'auto.npy'));
  const b = await readNpy(path.join(dir, 'tfjs.npy'));
  expect(b.shape).toEqual(a.shape);
  let differ = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) differ++;
  return { onnx: a, tfjs: b, differ, stderr: { onnx: auto.stderr, tfjs: tfjs.stderr } };
}

/** Runs an exported `encoder.onnx` on `x` (one thread, CPU) and gives its `ids` and `err` outputs. */
export async function runExportedEncoder(file: string, x: Float32Array, shape: number[]) {
  const rt = loadOnnxRuntime();
  if ('error' in rt) throw new Error(rt.error);
  const session = await rt.ort.InferenceSession.create(await readFile(file), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
  });
  try {
    const out = await session.run({ x: new rt.ort.Tensor('float32', x, shape) });
    return {
      ids: { dims: [...out.ids!.dims], data: out.ids!.data as Int32Array },
      err: { dims: [...out.err!.dims], data: out.err!.data as Float32Array },
    };
  } finally {
    await session.release();
  }
}
