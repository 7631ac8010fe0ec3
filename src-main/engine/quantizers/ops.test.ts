/** The hand-written gradients of the shared ops, checked against explicit formulas on wasm. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatherRows, oneHotFloat, rotateTo, squaredDistances, stopGradient, straightThrough } from './ops';
import { maxAbsDiff, useWasmBackend } from './test-backend';

beforeAll(useWasmBackend);

describe('quantizer ops', () => {
  it('oneHotFloat gives real 1s on wasm (its float32 OneHot kernel writes int bits)', async () => {
    const idx = tf.tensor1d([0, 2, 2, 1], 'int32');
    const oh = oneHotFloat(idx, 3);
    expect(Array.from(await oh.data())).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0]);
    tf.dispose([idx, oh]);
  });

  it('gatherRows: value is table[idx]; table gradient is oneHot(idx)ᵀ·dy (repeated rows add up)', async () => {
    const table = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
    const idx = tf.tensor1d([3, 1, 3], 'int32');
    const dyv = [0.5, -1, 2, 3, -0.25, 4];
    const dy = tf.tensor2d(dyv, [3, 2]);
    const value = gatherRows(table, idx);
    expect(Array.from(await value.data())).toEqual([7, 8, 3, 4, 7, 8]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, idx), dy)))(table);
    const expected = [0, 0, 2, 3, 0, 0, 0.5 - 0.25, -1 + 4];
    expect(Array.from(await g.data())).toEqual(expected);
    tf.dispose([table, idx, dy, value, g]);
  });

  it('straightThrough: value exactly q, gradient identity to z and none to q', async () => {
    const z = tf.tensor1d([0.1, 0.2, 0.3]);
    const q = tf.tensor1d([1, -1, 0.5]);
    const w = tf.tensor1d([2, 3, 4]);
    const [gz, gq] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(straightThrough(a, b), w)))([z, q]);
    const v = straightThrough(z, q);
    expect(Array.from(await v.data())).toEqual([1, -1, 0.5]);
    expect(Array.from(await gz!.data())).toEqual([2, 3, 4]);
    expect(Array.from(await gq!.data())).toEqual([0, 0, 0]);
    tf.dispose([z, q, w, gz!, gq!, v]);
  });

  it('stopGradient blocks the gradient and keeps the value', async () => {
    const x = tf.tensor1d([1, 2]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.add(tf.mul(a, 3), tf.square(stopGradient(a)))))(x);
    expect(Array.from(await g.data())).toEqual([3, 3]);
    tf.dispose([x, g]);
  });

  it('squaredDistances equals brute force', async () => {
    const z = tf.tensor2d([0, 0, 1, 2, -1, 0.5], [3, 2]);
    const c = tf.tensor2d([1, 1, -2, 0], [2, 2]);
    const d = await squaredDistances(z, c).data();
    const zs = [[0, 0], [1, 2], [-1, 0.5]];
    const cs = [[1, 1], [-2, 0]];
    const brute = zs.flatMap((a) => cs.map((b) => (a[0]! - b[0]!) ** 2 + (a[1]! - b[1]!) ** 2));
    expect(maxAbsDiff(d, brute)).toBeLessThan(1e-6);
    tf.dispose([z, c]);
  });

  it('rotateTo: value q; gradient equals autodiff of the detached rotation λ·R·z', async () => {
    const zv = [0.3, -1.2, 0.5, 2.0, 0.1, -0.4];
    const qv = [1.0, -0.5, 0.2, 1.5, 0.6, 0.3];
    const z = tf.tensor2d(zv, [2, 3]);
    const q = tf.tensor2d(qv, [2, 3]);
    const w = tf.tensor2d([1, -2, 0.5, 3, 1, -1], [2, 3]);
    const ours = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(rotateTo(a as tf.Tensor2D, q), w)))(z);
    // Explicit: out = λ(z − 2(z·r)r + 2(z·e)q̂) with e, q̂, r, λ computed from the constants.
    const e = tf.div(z, tf.norm(z, 2, 1, true));
    const qh = tf.div(q, tf.norm(q, 2, 1, true));
    const r = tf.div(tf.add(e, qh), tf.norm(tf.add(e, qh), 2, 1, true));
    const lambda = tf.div(tf.norm(q, 2, 1, true), tf.norm(z, 2, 1, true));
    const explicit = (a: tf.Tensor) =>
      tf.mul(lambda, tf.add(tf.sub(a, tf.mul(tf.mul(tf.sum(tf.mul(a, r), 1, true), 2), r)), tf.mul(tf.mul(tf.sum(tf.mul(a, e), 1, true), 2), qh)));
    const ref = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(explicit(a), w)))(z);
    // The explicit rotation maps z onto q, so its value checks the formula itself.
    expect(maxAbsDiff(await explicit(z).data(), qv)).toBeLessThan(1e-5);
    expect(maxAbsDiff(await ours.data(), await ref.data())).toBeLessThan(1e-5);
    const v = rotateTo(z, q);
    expect(Array.from(await v.data())).toEqual(Array.from(new Float32Array(qv)));
    tf.dispose([z, q, w, ours, e, qh, r, lambda, ref, v]);
  });
});
