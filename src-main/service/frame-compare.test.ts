import { describe, expect, it } from 'vitest';
import { classMaps, compareToInput } from './frame-compare';
import { classEncoding } from '../data/palette';

describe('compareToInput', () => {
  it('continuous frames: per-cell squared error averaged over channels, MSE and PSNR against the input range', () => {
    // 2 channels of 2×2; the input spans 0..4, the reconstruction is off by 1 in one value.
    const target = new Float32Array([0, 1, 2, 4, 0, 0, 0, 0]);
    const recon = new Float32Array([0, 1, 3, 4, 0, 0, 0, 0]);
    const d = compareToInput(0, recon, target, { channels: 2, height: 2, width: 2 }, { kind: 'continuous' });
    expect(Array.from(d.error)).toEqual([0, 0, 0.5, 0]);
    expect(d.metrics.mse).toBeCloseTo(1 / 8, 12);
    expect(d.metrics.psnr).toBeCloseTo(10 * Math.log10(16 / (1 / 8)), 10);
    expect(d.data).toBe(recon);
  });

  it('class frames: argmax per cell, one-hot output, wrong-class error map and mIoU without the free class', () => {
    const enc = classEncoding(1);
    const K = 18;
    const hw = 4;
    const oneHot = (labels: number[]) => {
      const a = new Float32Array(K * hw);
      labels.forEach((c, i) => (a[c * hw + i] = 1));
      return a;
    };
    const target = oneHot([4, 4, 17, 11]);
    // Logits whose argmax is car, car, car (wrong: free), driveable surface.
    const recon = oneHot([4, 4, 4, 11]).map((v) => v * 3 - 1);
    const d = compareToInput(2, recon, target, { channels: K, height: 2, width: 2 }, enc);
    expect(Array.from(d.labels!)).toEqual([4, 4, 4, 11]);
    expect(Array.from(d.error)).toEqual([0, 0, 1, 0]);
    expect(d.data).toEqual(oneHot([4, 4, 4, 11]));
    // car: TP 2, FP 1 → 2/3; driveable surface: 1/1; free excluded.
    expect(d.metrics.miou).toBeCloseTo((2 / 3 + 1) / 2, 12);
    // Occupied IoU: truth occupied {0,1,3}, predicted occupied {0,1,2,3} → 3/4.
    expect(d.metrics.iou).toBeCloseTo(3 / 4, 12);
  });

  it('a prototype (no input) has a zero error map and no metrics', () => {
    const d = compareToInput(-1, new Float32Array(18 * 4).fill(0), null, { channels: 18, height: 2, width: 2 }, classEncoding(1));
    expect(Array.from(d.error)).toEqual([0, 0, 0, 0]);
    expect(d.metrics).toEqual({});
  });

  it('classMaps handles height groups separately', () => {
    const K = 3;
    const data = new Float32Array(2 * K * 2);
    data[1 * 2 + 0] = 1; // group 0, class 1, cell 0
    data[2 * 2 + 1] = 1; // group 0, class 2, cell 1
    data[(K + 0) * 2 + 0] = 1; // group 1, class 0, cell 0
    data[(K + 1) * 2 + 1] = 1; // group 1, class 1, cell 1
    expect(Array.from(classMaps(data, { channels: 2 * K, height: 1, width: 2 }, K))).toEqual([1, 2, 0, 1]);
  });

  it('refuses mismatched sizes naming the frame', () => {
    expect(() => compareToInput(7, new Float32Array(3), null, { channels: 1, height: 2, width: 2 }, { kind: 'continuous' })).toThrow(
      'decoded frame 7: 3 values for a 1×2×2 frame',
    );
  });
});
