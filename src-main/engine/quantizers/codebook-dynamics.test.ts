/**
 * Codebook dynamics (wasm): split-and-perturb, the reservoir of recent latents, dead-by-steps,
 * reseed noise, jitter, the commitment schedule, the reseed events, resume and no leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import { commitmentWeight, poolSlots, reseedEventOf, reseedSummary } from './codebook-dynamics';
import { useWasmBackend } from './test-backend';
import { VectorQuantizer } from './vq';
import { createQuantizer } from './create-quantizer';

beforeAll(useWasmBackend);

async function rows(t: tf.Tensor): Promise<number[][]> {
  return (await t.array()) as number[][];
}

/** Runs afterStep with the given assignments and returns the state afterwards. */
async function stepWith(vq: VectorQuantizer, z: number[][], idx: number[]) {
  const zt = tf.tensor2d(z);
  const it = tf.tensor1d(idx, 'int32');
  vq.afterStep(zt, it);
  zt.dispose();
  it.dispose();
  const st = vq.state();
  return {
    codes: await rows(st['embedding.weight']!),
    counts: Array.from(await st.cluster_size!.data()),
    avg: await rows(st.embed_avg!),
  };
}

describe('commitmentWeight', () => {
  it('goes linearly from start to end over the schedule, then stays at end; constant β without one', () => {
    const s = { start: 1, end: 0.25, steps: 4 };
    expect([0, 1, 2, 4, 9].map((t) => commitmentWeight(0.5, s, t))).toEqual([1, 0.8125, 0.625, 0.25, 0.25]);
    expect(commitmentWeight(0.5, undefined, 7)).toBe(0.5);
    expect(() => commitmentWeight(0.5, { start: 0, end: 1, steps: 0 }, 0)).toThrow(/steps must be ≥ 1/);
  });
});

describe('poolSlots', () => {
  it('fifo keeps the newest rows in order', () => {
    expect(Array.from(poolSlots('fifo', 4, 3, 3, 3, new Rng(1)))).toEqual([2, 3, 4, 5]);
    expect(Array.from(poolSlots('fifo', 10, 0, 0, 3, new Rng(1)))).toEqual([0, 1, 2]);
  });

  it('reservoir sampling keeps a uniform sample of everything seen (every row about equally often)', () => {
    // 40 rows arrive in batches of 4 into a pool of 10; over many seeds each row is kept ~10/40 of the time.
    const kept = new Float64Array(40);
    const trials = 4000;
    for (let s = 0; s < trials; s++) {
      const rng = new Rng(s + 1);
      let pool: number[] = [];
      for (let b = 0; b < 10; b++) {
        const batch = [0, 1, 2, 3].map((i) => b * 4 + i);
        const slots = poolSlots('reservoir', 10, pool.length, b * 4, 4, rng);
        const all = [...pool, ...batch];
        pool = Array.from(slots, (j) => all[j]!);
      }
      expect(pool.length).toBe(10);
      for (const r of pool) kept[r]!++;
    }
    for (const k of kept) expect(k / trials).toBeGreaterThan(0.2);
    for (const k of kept) expect(k / trials).toBeLessThan(0.3);
    // FIFO would never keep the first rows.
    expect(kept[0]! / trials).toBeGreaterThan(0.2);
  });
});

describe('reseed events', () => {
  it('names the reseeded codes and their parents, and summarises a run', () => {
    const e = reseedEventOf(7, Int32Array.from([0, 1, 0, 1]), Int32Array.from([0, 2, 0, 0]), 'split');
    expect(e).toEqual({ step: 7, codes: [1, 3], source: 'split', from: [2, 0] });
    expect(reseedEventOf(7, Int32Array.from([0, 0]), null, 'batch')).toBeNull();
    const line = reseedSummary([e!, { step: 9, codes: [5], source: 'reservoir' }]);
    expect(line).toContain('3 codes in 2 events (steps 7–9)');
    expect(line).toContain('2 from splits of popular codes');
    expect(line).toContain('1 from reservoir');
    expect(reseedSummary([])).toMatch(/no codes/);
  });
});

describe('split-and-perturb', () => {
  it('gives a dead code the most used code and halves both EMA counts and sums', async () => {
    const vq = new VectorQuantizer({ dim: 2, codebookSize: 4, ema: true, decay: 0.5, deadCodeThreshold: 0.2, reseed: 'split', seed: 1 });
    const z = [
      [1, 0],
      [1, 0.2],
      [1, -0.2],
      [0, 1],
    ];
    // Codes 0 (3 rows) and 1 (1 row) used; 2 and 3 unused: counts lerp from 1 to 0.5 — not dead yet.
    await stepWith(vq, z, [0, 0, 0, 1]);
    expect((await vq.takeReseeds(1)).length).toBe(0);
    const before = vq.state();
    const prevCounts = Array.from(await before.cluster_size!.data());
    // Second step: 2 and 3 fall to 0.25 … then below 0.2 at the third.
    await stepWith(vq, z, [0, 0, 0, 1]);
    await vq.takeReseeds(2);
    const pre = { counts: Array.from(await vq.state().cluster_size!.data()), codes: await rows(vq.state()['embedding.weight']!) };
    const after = await stepWith(vq, z, [0, 0, 0, 1]);
    const events = await vq.takeReseeds(3);
    expect(prevCounts[0]).toBeGreaterThan(prevCounts[1]!);
    expect(events).toEqual([{ step: 3, codes: [2, 3], source: 'split', from: [0, 1] }]);
    // The counts the EMA reached this step, before the split.
    const c0 = pre.counts[0]! * 0.5 + 3 * 0.5;
    const c1 = pre.counts[1]! * 0.5 + 1 * 0.5;
    expect(after.counts[0]).toBeCloseTo(c0 / 2, 5);
    expect(after.counts[2]).toBeCloseTo(c0 / 2, 5);
    expect(after.counts[1]).toBeCloseTo(c1 / 2, 5);
    expect(after.counts[3]).toBeCloseTo(c1 / 2, 5);
    // No noise: the split codes equal their parents, and the EMA sums stay consistent (sum / count = code).
    expect(after.codes[2]![0]).toBeCloseTo(after.codes[0]![0]!, 5);
    expect(after.codes[3]![1]).toBeCloseTo(after.codes[1]![1]!, 5);
    for (const k of [0, 1, 2, 3]) expect(after.avg[k]![0]! / after.counts[k]!).toBeCloseTo(after.codes[k]![0]!, 4);
    vq.dispose();
  });

  it('splits a parent once per step and only one whose halves stay above the threshold; other dead codes wait', async () => {
    // Non-EMA counts start at 0: after one step code 0 holds 0.5·6 = 3, code 1 0.5·1 = 0.5 (< 2 × 0.4).
    const vq = new VectorQuantizer({ dim: 2, codebookSize: 4, decay: 0.5, deadCodeThreshold: 0.4, reseed: 'split', seed: 1 });
    const z = Array.from({ length: 7 }, (_, i) => [i, 1]);
    const r = await stepWith(vq, z, [0, 0, 0, 0, 0, 0, 1]);
    expect(await vq.takeReseeds(1)).toEqual([{ step: 1, codes: [2], source: 'split', from: [0] }]);
    expect(r.counts[0]).toBeCloseTo(1.5, 5);
    expect(r.counts[2]).toBeCloseTo(1.5, 5);
    expect(r.counts[3]).toBe(0); // no parent left this step: still dead
    vq.dispose();
  });

  it('perturbs the split code by σ·ε and leaves the parent in place', async () => {
    const vq = new VectorQuantizer({ dim: 8, codebookSize: 4, decay: 0.5, deadCodeThreshold: 0.6, reseed: 'split', reseedNoise: 0.1, seed: 2 });
    const z = Array.from({ length: 6 }, (_, i) => Array.from({ length: 8 }, (_, j) => (i + j) % 3));
    await stepWith(vq, z, [0, 0, 0, 0, 0, 1]);
    const parent0 = (await rows(vq.state()['embedding.weight']!))[0]!;
    const r = await stepWith(vq, z, [0, 0, 0, 0, 0, 1]);
    const ev = await vq.takeReseeds(2);
    expect(ev[0]!.codes).toContain(2);
    const k = ev[0]!.codes.indexOf(2);
    const parent = ev[0]!.from![k]!;
    expect(parent).toBe(0);
    const diff = r.codes[2]!.map((v, j) => v - r.codes[parent]![j]!);
    const rms = Math.sqrt(diff.reduce((s, d) => s + d * d, 0) / diff.length);
    expect(rms).toBeGreaterThan(0.03);
    expect(rms).toBeLessThan(0.3);
    expect(r.codes[0]).toEqual(parent0); // non-EMA: the parent is the optimiser's, untouched
    vq.dispose();
  });
});

describe('dead by steps since last assignment', () => {
  it('reseeds a code unassigned for N steps even when its EMA count is high', async () => {
    // decay 0.99: counts barely move, so only the step criterion can call code 1 dead.
    const vq = new VectorQuantizer({ dim: 2, codebookSize: 3, ema: true, decay: 0.99, deadAfterSteps: 3, reseed: 'largest-error', seed: 4 });
    const z = [
      [1, 1],
      [2, 2],
      [5, 5],
    ];
    const steps: number[][] = [];
    for (let s = 1; s <= 4; s++) {
      await stepWith(vq, z, [0, 0, 2]);
      steps.push(...(await vq.takeReseeds(s)).map((e) => e.codes));
    }
    // Code 1 unused at steps 1, 2, 3 → dead after the third; reseeded once, then its clock restarts.
    expect(steps).toEqual([[1]]);
    const st = await vq.resumeState();
    expect(Array.from(st.arrays.since_used!.data)).toEqual([0, 1, 0]);
    vq.dispose();
  });
});

describe('reservoir pool', () => {
  it('reseeds from a reservoir of the configured size, the pool survives a resume, and nothing leaks', async () => {
    const opts = { dim: 2, codebookSize: 4, ema: true, decay: 0.5, deadCodeThreshold: 0.5, reseed: 'random' as const, reseedPool: 'reservoir' as const, recentLatents: 5, seed: 6 };
    const a = new VectorQuantizer(opts);
    const batch = (s: number) => Array.from({ length: 3 }, (_, i) => [s * 10 + i, -s]);
    for (let s = 0; s < 4; s++) await stepWith(a, batch(s), [0, 0, 0]);
    await a.takeReseeds(4);
    const saved = await a.resumeState();
    expect(saved.arrays.recent!.shape).toEqual([5, 2]);
    expect(saved.json.seen).toBe(12);
    // A copy restored from the state makes the same next reseed.
    const b = new VectorQuantizer(opts);
    const st = a.state();
    b.loadState(st);
    b.restoreResumeState(saved);
    const before = tf.memory().numTensors;
    const ra = await stepWith(a, batch(4), [0, 0, 0]);
    const rb = await stepWith(b, batch(4), [0, 0, 0]);
    const ea = await a.takeReseeds(5);
    const eb = await b.takeReseeds(5);
    expect(ea).toEqual(eb);
    expect(ea[0]!.source).toBe('reservoir');
    expect(rb.codes).toEqual(ra.codes);
    for (let s = 5; s < 9; s++) {
      await stepWith(a, batch(s), [0, 0, 0]);
      await a.takeReseeds(s + 1);
    }
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
    b.dispose();
  });
});

describe('jitter and the commitment schedule', () => {
  it('jitter changes the training assignment of a latent near a boundary, never the inference one', async () => {
    const vq = new VectorQuantizer({ dim: 2, codebookSize: 2, jitter: 0.5, seed: 3 });
    tf.tidy(() => vq.loadState({ 'embedding.weight': tf.tensor2d([[-1, 0], [1, 0]]) }));
    const z = tf.tensor2d(Array.from({ length: 200 }, () => [0.05, 0]));
    const train = tf.tidy(() => vq.quantize(z, { training: true }).indices);
    const infer = tf.tidy(() => vq.quantize(z, { training: false }).indices);
    const t = Array.from(await train.data());
    expect(Array.from(await infer.data()).every((i) => i === 1)).toBe(true);
    const zeros = t.filter((i) => i === 0).length;
    expect(zeros).toBeGreaterThan(40); // P(0.05 + 0.5ε < 0) ≈ 0.46
    expect(zeros).toBeLessThan(160);
    tf.dispose([z, train, infer]);
    vq.dispose();
  });

  it('weights the commitment loss by the scheduled β of the current step', async () => {
    const vq = new VectorQuantizer({ dim: 2, codebookSize: 2, ema: true, beta: 9, betaSchedule: { start: 2, end: 0, steps: 4 }, seed: 3 });
    tf.tidy(() => vq.loadState({ 'embedding.weight': tf.tensor2d([[0, 0], [4, 4]]) }));
    const z = tf.tensor2d([[1, 0]]);
    const lossAt = async (step: number) => {
      vq.setTrainingStep(step);
      const r = tf.tidy(() => {
        const q = vq.quantize(z, { training: true });
        return tf.stack([q.loss, q.lossParts.commitment!]);
      });
      const [loss, commitment] = Array.from(await r.data());
      r.dispose();
      return loss! / commitment!;
    };
    expect(await lossAt(0)).toBeCloseTo(2, 5);
    expect(await lossAt(1)).toBeCloseTo(1.5, 5);
    expect(await lossAt(3)).toBeCloseTo(0.5, 5);
    expect(await lossAt(10)).toBeCloseTo(0, 5);
    z.dispose();
    vq.dispose();
  });
});

describe('residual and grouped VQ', () => {
  it('report each level / group\'s reseeds with its number, and pass the options to every codebook', async () => {
    for (const kind of ['rvq', 'gvq'] as const) {
      const q = createQuantizer({ kind, codebookSize: 4, depth: 2, deadAfterSteps: 1, reseed: 'largest-error' }, 4, 1);
      const z = tf.tensor2d(Array.from({ length: 6 }, (_, i) => [i, -i, 1, 2]));
      // Only code 0 of each level / group assigned: codes 1..3 are dead after one step.
      const idx = tf.zeros([6, 2], 'int32');
      q.afterStep!(z, idx);
      const ev = await q.takeReseeds!(1);
      expect(ev.map((e) => [e.level, e.codes])).toEqual([
        [0, [1, 2, 3]],
        [1, [1, 2, 3]],
      ]);
      expect(ev.every((e) => e.source === 'batch')).toBe(true);
      tf.dispose([z, idx]);
      q.dispose();
    }
  });
});
