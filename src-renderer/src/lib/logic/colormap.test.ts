import { describe, expect, it } from 'vitest';
import { colormapRgb, labelsFromOneHot, renderLabels, renderScalar, robustRange } from './colormap';

// Anchors from matplotlib's listed colormaps (entries 0, 128 and 255, as 0..1 floats).
const ANCHORS = {
  viridis: [
    [0, [0.267004, 0.004874, 0.329415]],
    [128 / 255, [0.127568, 0.566949, 0.550556]],
    [1, [0.993248, 0.906157, 0.143936]],
  ],
  magma: [
    [0, [0.001462, 0.000466, 0.013866]],
    [128 / 255, [0.716387, 0.214982, 0.47529]],
    [1, [0.987053, 0.991438, 0.749504]],
  ],
} as const;

describe('colormaps', () => {
  for (const [name, anchors] of Object.entries(ANCHORS)) {
    it(`${name} matches matplotlib within 6/255 (the polynomial fit's accuracy) at its ends and middle`, () => {
      for (const [t, rgb] of anchors) {
        const got = colormapRgb(name as 'viridis' | 'magma', t);
        for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - rgb[c]! * 255)).toBeLessThanOrEqual(6);
      }
    });
  }

  it('viridis lightness rises monotonically (so a larger value always reads brighter)', () => {
    let prev = -1;
    for (let i = 0; i <= 20; i++) {
      const [r, g, b] = colormapRgb('viridis', i / 20);
      const luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      expect(luma).toBeGreaterThan(prev);
      prev = luma;
    }
  });

  it('clamps out-of-range and NaN inputs', () => {
    expect(colormapRgb('turbo', -3)).toEqual(colormapRgb('turbo', 0));
    expect(colormapRgb('turbo', 7)).toEqual(colormapRgb('turbo', 1));
    expect(colormapRgb('gray', Number.NaN)).toEqual([0, 0, 0]);
    expect(colormapRgb('gray', 1)).toEqual([255, 255, 255]);
  });
});

describe('robustRange', () => {
  it('ignores a single outlier and non-finite values', () => {
    const v = new Float32Array(1000).map((_, i) => i / 1000);
    v[500] = 1e6;
    v[501] = Number.NaN;
    const [lo, hi] = robustRange(v);
    expect(lo).toBeLessThan(0.02);
    expect(hi).toBeGreaterThan(0.97);
    expect(hi).toBeLessThan(1.01);
  });

  it('widens a constant plane so it still maps', () => {
    const [lo, hi] = robustRange(new Float32Array(10).fill(3));
    expect(lo).toBe(3);
    expect(hi).toBeGreaterThan(3);
  });
});

describe('renderScalar / renderLabels', () => {
  it('colours the chosen channel of a [C, H, W] array', () => {
    // 2 channels of 2×2: channel 1 is a ramp, channel 0 constant.
    const data = new Float32Array([5, 5, 5, 5, 0, 1, 2, 3]);
    const img = renderScalar(data, 2, 2, 'gray', [0, 3], 1);
    expect(Array.from(img.rgba.filter((_, i) => i % 4 === 0))).toEqual([0, 85, 170, 255]);
    expect(img.rgba[3]).toBe(255);
    expect(() => renderScalar(data, 2, 2, 'gray', undefined, 2)).toThrow(/channel 2/);
  });

  it('draws classes in the palette and unknown ids in magenta', () => {
    const img = renderLabels(new Uint8Array([0, 1, 9]), 3, 1, [
      { id: 0, rgb: [10, 20, 30] },
      { id: 1, rgb: [200, 100, 0] },
    ]);
    expect(Array.from(img.rgba)).toEqual([10, 20, 30, 255, 200, 100, 0, 255, 255, 0, 255, 255]);
    expect(() => renderLabels(new Uint8Array(2), 3, 1, [])).toThrow(/2 labels/);
  });

  it('reads the top-most non-free class from height-folded one-hot channels', () => {
    // 3 classes (2 = free), 2 height groups, 1×2 frame.
    const n = 2;
    const data = new Float32Array(2 * 3 * n);
    const set = (g: number, c: number, i: number): void => void (data[(g * 3 + c) * n + i] = 1);
    set(0, 0, 0); // cell 0: class 0 low, free above
    set(1, 2, 0);
    set(0, 2, 1); // cell 1: free low, class 1 above
    set(1, 1, 1);
    expect(Array.from(labelsFromOneHot(data, 2, 1, 3, 2, 2))).toEqual([0, 1]);
  });
});
