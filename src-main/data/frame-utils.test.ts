import { describe, expect, it } from 'vitest';
import type { BevFrame } from './frame';
import { findNonFinite, labelsOf, oneHot, unravelIndex } from './frame-utils';
import { classEncoding } from './palette';

describe('frame utilities', () => {
  it('oneHot and labelsOf invert each other, per height group', () => {
    const H = 3;
    const W = 5;
    const g0 = new Uint8Array(H * W).map((_, i) => (i * 7) % 18);
    const g1 = new Uint8Array(H * W).map((_, i) => (i * 5 + 3) % 18);
    const data = new Float32Array(2 * 18 * H * W);
    oneHot(g0, 18, data, 0);
    oneHot(g1, 18, data, 18 * H * W);
    const frame: BevFrame = { data, channels: 36, height: H, width: W, channelNames: [], encoding: classEncoding(2), index: 0, meta: {} };
    expect(Array.from(labelsOf(frame, 0))).toEqual(Array.from(g0));
    expect(Array.from(labelsOf(frame, 1))).toEqual(Array.from(g1));
    expect(() => labelsOf(frame, 2)).toThrow(/group 2 out of 0..1/);
    expect(() => oneHot(new Uint8Array([18]), 18)).toThrow(/class 18 at cell 0/);
    // Logits work too: the argmax wins.
    const logits: BevFrame = { ...frame, data: new Float32Array(36 * H * W).fill(-1) };
    logits.data[4 * H * W + 2] = 0.5;
    expect(labelsOf(logits)[2]).toBe(4);
  });

  it('finds NaN and ±Inf with counts and first positions', () => {
    const r = findNonFinite(new Float32Array([1, NaN, 2, Infinity, -Infinity, NaN, 3]), 2);
    expect(r).toEqual({ nan: 2, posInf: 1, negInf: 1, firstIndices: [1, 3] });
    expect(findNonFinite(new Float32Array(100))).toEqual({ nan: 0, posInf: 0, negInf: 0, firstIndices: [] });
    expect(unravelIndex(23, [2, 3, 4])).toEqual([1, 2, 3]);
    expect(unravelIndex(5, [2, 3, 4])).toEqual([0, 1, 1]);
  });
});
