import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from './init-backend';
import { Rng } from '../../util/rng';

/**
 * Each kernel registered on wasm is compared with the pure-JS cpu backend on random inputs.
 * The comparisons run at collection time (top-level await) so that the measured max abs
 * difference can be part of each test's name.
 */

/** Runs `fn` on the named backend with fresh tensors made from plain arrays; returns plain data. */
async function on(backend: string, fn: () => tf.Tensor): Promise<{ shape: number[]; data: Float32Array }> {
  await tf.setBackend(backend);
  const t = tf.tidy(fn);
  const data = (await t.data()) as Float32Array;
  const shape = t.shape;
  t.dispose();
  return { shape, data };
}

function randomArray(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.range(-1, 1);
  return a;
}

/** The kernel itself (tfjs exports no public op for it). */
function backpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], strides: number, pad: 'same' | 'valid' | number): tf.Tensor {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides, pad, dataFormat: 'NHWC', filterShape }) as tf.Tensor;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

interface Comparison {
  label: string;
  diff: number;
  shapeOk: boolean;
  tolerance: number;
}

async function compare(label: string, run: () => tf.Tensor, tolerance: number): Promise<Comparison> {
  const ref = await on('cpu', run);
  const got = await on('wasm', run);
  const shapeOk = JSON.stringify(ref.shape) === JSON.stringify(got.shape);
  return { label, diff: shapeOk ? maxAbsDiff(ref.data, got.data) : Infinity, shapeOk, tolerance };
}

interface FilterCase {
  x: [number, number, number, number];
  k: [number, number];
  cout: number;
  stride: number;
  pad: 'same' | 'valid' | number;
}

const filterCases: FilterCase[] = [
  { x: [2, 16, 16, 3], k: [4, 4], cout: 5, stride: 2, pad: 1 },
  { x: [3, 9, 11, 4], k: [3, 3], cout: 6, stride: 1, pad: 1 },
  { x: [2, 13, 13, 2], k: [4, 4], cout: 3, stride: 2, pad: 'valid' },
  { x: [2, 15, 12, 3], k: [3, 5], cout: 4, stride: 3, pad: 'same' },
  { x: [1, 8, 8, 4], k: [4, 4], cout: 8, stride: 2, pad: 'same' },
];

const status = await initBackend({ prefer: ['wasm'] });
const comparisons: Comparison[] = [];

for (const c of filterCases) {
  const [B, H, W, Ci] = c.x;
  const filterShape: [number, number, number, number] = [c.k[0], c.k[1], Ci, c.cout];
  const xs = randomArray(B * H * W * Ci, 1);
  // The forward conv fixes dy's shape.
  const fwd = await on('cpu', () => tf.conv2d(tf.tensor4d(xs, c.x), tf.zeros(filterShape) as tf.Tensor4D, c.stride, c.pad));
  const dyShape = fwd.shape as [number, number, number, number];
  const dys = randomArray(dyShape.reduce((a, b) => a * b, 1), 2);
  comparisons.push(
    await compare(
      `Conv2DBackpropFilter x=${c.x.join('x')} k=${c.k.join('x')} s=${c.stride} pad=${c.pad}`,
      () => backpropFilter(tf.tensor4d(xs, c.x), tf.tensor4d(dys, dyShape), filterShape, c.stride, c.pad),
      1e-4,
    ),
  );
}

for (const [ta, tb] of [
  [false, true],
  [true, false],
  [true, true],
] as const) {
  const aShape: [number, number, number] = ta ? [3, 7, 5] : [3, 5, 7];
  const bShape: [number, number, number] = tb ? [3, 6, 7] : [3, 7, 6];
  const as = randomArray(105, 3);
  const bs = randomArray(126, 4);
  comparisons.push(
    await compare(`BatchMatMul transposeA=${ta} transposeB=${tb}`, () => tf.matMul(tf.tensor3d(as, aShape), tf.tensor3d(bs, bShape), ta, tb), 1e-5),
  );
}

interface InputCase {
  dx: [number, number, number, number];
  k: [number, number];
  cout: number;
  stride: number | [number, number];
  pad: 'same' | 'valid' | number;
}

// dx is the forward conv's input shape; dy follows from it.
const inputCases: InputCase[] = [
  { dx: [2, 16, 16, 5], k: [4, 4], cout: 6, stride: 2, pad: 1 },
  { dx: [2, 9, 11, 3], k: [3, 3], cout: 4, stride: 1, pad: 1 },
  { dx: [2, 13, 13, 3], k: [4, 4], cout: 5, stride: 2, pad: 'valid' },
  { dx: [1, 15, 14, 2], k: [3, 5], cout: 3, stride: 3, pad: 'same' },
  { dx: [2, 15, 15, 4], k: [3, 3], cout: 2, stride: 2, pad: 'same' },
  { dx: [1, 8, 8, 4], k: [5, 5], cout: 3, stride: 2, pad: 2 },
  { dx: [2, 12, 10, 3], k: [4, 3], cout: 4, stride: [2, 1], pad: 1 },
];

for (const c of inputCases) {
  const [, , , ci] = c.dx;
  const fShape: [number, number, number, number] = [c.k[0], c.k[1], ci, c.cout];
  const fwd = await on('cpu', () => tf.conv2d(tf.zeros(c.dx) as tf.Tensor4D, tf.zeros(fShape) as tf.Tensor4D, c.stride, c.pad));
  const dyShape = fwd.shape as [number, number, number, number];
  const dys = randomArray(dyShape.reduce((a, b) => a * b, 1), 5);
  const fs = randomArray(fShape.reduce((a, b) => a * b, 1), 6);
  comparisons.push(
    await compare(
      `Conv2DBackpropInput dx=${c.dx.join('x')} k=${c.k.join('x')} s=${String(c.stride)} pad=${c.pad}`,
      () => tf.conv2dTranspose(tf.tensor4d(dys, dyShape), tf.tensor4d(fs, fShape), c.dx, c.stride, c.pad),
      1e-4,
    ),
  );
}

{
  // A whole conv + transposed-conv backward through the gradient registry.
  const xs = randomArray(2 * 8 * 8 * 3, 7);
  const ws = randomArray(4 * 4 * 3 * 4, 8);
  const grad = () =>
    tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.conv2d(tf.tensor4d(xs, [2, 8, 8, 3]), w as tf.Tensor4D, 2, 1)))))(
      tf.tensor4d(ws, [4, 4, 3, 4]),
    );
  comparisons.push(await compare('conv2d filter gradient via tf.grad', grad, 1e-3));
}

await tf.setBackend('wasm');

describe('wasm training kernels match the pure-JS cpu backend', () => {
  it('the wasm backend was chosen', () => {
    expect(status.name).toBe('wasm');
    expect(status.reason).toMatch(/SIMD/);
  });

  for (const c of comparisons) {
    it(`${c.label}: max abs diff ${c.diff.toExponential(2)}`, () => {
      expect(c.shapeOk, `${c.label}: output shape differs from cpu's`).toBe(true);
      expect(c.diff, `${c.label}: max abs diff ${c.diff}`).toBeLessThan(c.tolerance);
    });
  }

  it('leaks no tensors', () => {
    const x = tf.randomUniform([2, 8, 8, 3]) as tf.Tensor4D;
    const dy = tf.randomUniform([2, 4, 4, 5]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.tidy(() => backpropFilter(x, dy, [4, 4, 3, 5], 2, 1)).dispose();
    const f = tf.randomUniform([4, 4, 3, 5]) as tf.Tensor4D;
    const afterF = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.tidy(() => tf.conv2dTranspose(dy, f, [2, 8, 8, 3], 2, 1)).dispose();
    expect(tf.memory().numTensors).toBe(afterF);
    f.dispose();
    for (let i = 0; i < 3; i++) tf.tidy(() => tf.matMul(x.reshape([2, 64, 3]), x.reshape([2, 64, 3]), true, false)).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    dy.dispose();
  });
});
