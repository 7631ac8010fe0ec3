import { describe, expect, it } from 'vitest';
import { sequenceFromArray } from './array-sequence';
import { BevDataset, computeChannelStats, continuousChannels, normalise, splitTrainVal } from './dataset';
import type { FrameSequence } from './frame';
import { createProceduralSequence } from './procedural-scene';
import { Rng } from '../util/rng';

function continuousSeq(T: number, C: number, H: number, W: number, seed: number): { seq: FrameSequence; data: Float32Array } {
  const rng = new Rng(seed);
  const data = new Float32Array(T * C * H * W).map((_, i) => (i % (H * W)) * 0.01 + rng.normal() * (1 + ((i / (H * W)) % C)));
  return { seq: sequenceFromArray({ dtype: 'float32', shape: [T, C, H, W], data }, `cont${seed}.npy`), data };
}

describe('train / validation split', () => {
  it('by frame: disjoint, complete, deterministic by seed', () => {
    const seqs = [createProceduralSequence({ frames: 30, size: 16 }), createProceduralSequence({ frames: 10, size: 16, seed: 2 })];
    const s = splitTrainVal(seqs, { valFraction: 0.25, seed: 1 });
    expect(s.val.length).toBe(10);
    expect(s.train.length).toBe(30);
    const key = (r: { sequence: number; frame: number }) => `${r.sequence}:${r.frame}`;
    const all = new Set([...s.train, ...s.val].map(key));
    expect(all.size).toBe(40);
    expect(splitTrainVal(seqs, { valFraction: 0.25, seed: 1 })).toEqual(s);
    expect(splitTrainVal(seqs, { valFraction: 0.25, seed: 2 }).val).not.toEqual(s.val);
  });

  it('by sequence: whole sequences go to validation', () => {
    const seqs = [5, 6, 7, 8].map((n, i) => createProceduralSequence({ frames: n, size: 16, seed: i }));
    const s = splitTrainVal(seqs, { valFraction: 0.3, seed: 4, by: 'sequence' });
    const valSeqs = new Set(s.val.map((r) => r.sequence));
    const trainSeqs = new Set(s.train.map((r) => r.sequence));
    expect([...valSeqs].some((v) => trainSeqs.has(v))).toBe(false);
    expect(s.val.length).toBeGreaterThanOrEqual(0.3 * 26);
    for (const v of valSeqs) expect(s.val.filter((r) => r.sequence === v).length).toBe(seqs[v]!.length);
    expect(() => splitTrainVal([seqs[0]!], { valFraction: 0.2, seed: 1, by: 'sequence' })).toThrow(/at least two sequences/);
  });
});

describe('batches and crops', () => {
  it('serves NCHW and NHWC batches of random crops whose values are the frames’ values', async () => {
    const { seq, data } = continuousSeq(6, 3, 10, 12, 1);
    const ds = new BevDataset([seq], Array.from({ length: 6 }, (_, f) => ({ sequence: 0, frame: f })));
    const nchw = [];
    for await (const b of ds.batches({ batchSize: 4, seed: 9, crop: [5, 7] })) nchw.push(b);
    expect(nchw.map((b) => b.shape)).toEqual([
      [4, 3, 5, 7],
      [2, 3, 5, 7],
    ]);
    const b = nchw[0]!;
    for (let k = 0; k < 4; k++) {
      const { frame } = b.refs[k]!;
      const { row, col } = b.offsets[k]!;
      for (const [c, y, x] of [[0, 0, 0], [2, 4, 6], [1, 2, 3]] as const) {
        expect(b.data[((k * 3 + c) * 5 + y) * 7 + x]).toBe(data[((frame * 3 + c) * 10 + row + y) * 12 + col + x]);
      }
    }
    const nhwc = [];
    for await (const x of ds.batches({ batchSize: 4, seed: 9, crop: [5, 7], layout: 'NHWC' })) nhwc.push(x);
    expect(nhwc[0]!.shape).toEqual([4, 5, 7, 3]);
    expect(nhwc[0]!.refs).toEqual(b.refs);
    expect(nhwc[0]!.offsets).toEqual(b.offsets);
    // Same value at (k, c, y, x) in both layouts.
    expect(nhwc[0]!.data[((1 * 5 + 3) * 7 + 2) * 3 + 2]).toBe(b.data[((1 * 3 + 2) * 5 + 3) * 7 + 2]);
    // Another epoch, another order; dropLast drops the partial batch.
    const e1 = [];
    for await (const x of ds.batches({ batchSize: 4, seed: 9, dropLast: true }, 1)) e1.push(x);
    expect(e1.length).toBe(1);
    expect(e1[0]!.shape).toEqual([4, 3, 10, 12]);
  });

  it('computes normalisation statistics of continuous channels only and normalises with them', async () => {
    const { seq, data } = continuousSeq(4, 2, 8, 8, 3);
    const refs = Array.from({ length: 4 }, (_, f) => ({ sequence: 0, frame: f }));
    const stats = await computeChannelStats([seq], refs);
    for (let c = 0; c < 2; c++) {
      let s = 0;
      let s2 = 0;
      for (let t = 0; t < 4; t++) for (let i = 0; i < 64; i++) s += data[(t * 2 + c) * 64 + i]!;
      const m = s / 256;
      for (let t = 0; t < 4; t++) for (let i = 0; i < 64; i++) s2 += (data[(t * 2 + c) * 64 + i]! - m) ** 2;
      expect(stats.mean[c]).toBeCloseTo(m, 5);
      expect(stats.std[c]).toBeCloseTo(Math.sqrt(s2 / 256), 4);
    }
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
    const ds = new BevDataset([seq], refs);
    let sum = 0;
    let sumSq = 0;
    let n = 0;
    for await (const b of ds.batches({ batchSize: 4, seed: 1, stats })) {
      for (let k = 0; k < 4; k++) for (let i = 0; i < 64; i++) {
        const v = b.data[(k * 2 + 1) * 64 + i]!;
        sum += v;
        sumSq += v * v;
        n++;
      }
    }
    expect(sum / n).toBeCloseTo(0, 4);
    expect(sumSq / n).toBeCloseTo(1, 3);
    const x = new Float32Array(data.subarray(0, 128));
    normalise(x, stats);
    normalise(x, stats, { inverse: true });
    for (let i = 0; i < 128; i += 7) expect(x[i]).toBeCloseTo(data[i]!, 4);
    // Class frames and lidar class indicators are never normalised.
    expect(continuousChannels(createProceduralSequence({ size: 16 })).some(Boolean)).toBe(false);
    expect(continuousChannels({ encoding: { kind: 'continuous' }, channelNames: ['max_height', 'class/car'] })).toEqual([true, false]);
  });
});
