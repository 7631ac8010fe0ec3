import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend';
import { Rng } from '../../util/rng';
import { drawFromRows, sampleIds } from './sampling';

beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
});

describe('sampling with temperature and top-k', () => {
  it('draws ids in proportion to the probabilities', () => {
    const probs = new Float32Array([0.1, 0.6, 0.3]);
    const rows = 20000;
    const tiled = new Float32Array(rows * 3);
    for (let i = 0; i < rows; i++) tiled.set(probs, i * 3);
    const ids = drawFromRows(tiled, null, rows, 3, new Rng(1));
    const freq = [0, 0, 0];
    for (const id of ids) freq[id]!++;
    // Binomial standard deviation at n = 20000 is ≤ 0.0035: 0.02 is > 5σ.
    freq.forEach((f, i) => expect(Math.abs(f / rows - probs[i]!)).toBeLessThan(0.02));
    // A zero-probability id is never drawn, even at the end of a row.
    const z = drawFromRows(new Float32Array([0.5, 0.5, 0]), new Int32Array([7, 8, 9]), 1, 3, new Rng(2));
    expect([7, 8]).toContain(z[0]);
  });

  it('temperature 0 is the argmax; top-k keeps only the k best ids; low temperature sharpens', async () => {
    const logits = tf.tensor2d([
      [0, 3, 1, 2],
      [5, 0, 0, 4.9],
    ]);
    const before = tf.memory().numTensors;
    expect(Array.from(await sampleIds(logits, { temperature: 0 }, new Rng(1)))).toEqual([1, 0]);
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const ids = await sampleIds(logits, { temperature: 5, topK: 2 }, rng);
      seen.add(ids[0]!);
      expect([0, 3]).toContain(ids[1]!);
    }
    // Row 0's two best are ids 1 and 3; at a high temperature both appear, never 0 or 2.
    expect([...seen].sort()).toEqual([1, 3]);
    let agree = 0;
    for (let i = 0; i < 200; i++) if ((await sampleIds(logits, { temperature: 0.05 }, rng))[0] === 1) agree++;
    expect(agree).toBe(200);
    expect(tf.memory().numTensors).toBe(before);
    await expect(sampleIds(logits, { temperature: -1 }, rng)).rejects.toThrow(/temperature must be ≥ 0/);
    await expect(sampleIds(logits, { temperature: 1, topK: 0 }, rng)).rejects.toThrow(/topK must be a positive integer/);
    logits.dispose();
  });
});
