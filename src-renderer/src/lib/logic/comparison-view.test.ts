import { describe, expect, it } from 'vitest';
import { classIouRows, differenceImage, recentLabel, tokenImage } from './comparison-view';
import type { ComparisonFrame, TokenFrame } from '../../../../src-main/contract/index';

const grid = (ids: number[]): TokenFrame => ({ index: 0, indices: Int32Array.from(ids), h: 2, w: 2, depth: 1, quantError: new Float32Array(4) });

describe('comparison view', () => {
  it('equal codes get equal colours on both sides; the difference map counts the differing cells', () => {
    const a = tokenImage(grid([1, 2, 3, 4]));
    const b = tokenImage(grid([1, 9, 3, 7]));
    expect(Array.from(a.rgba.slice(0, 4))).toEqual(Array.from(b.rgba.slice(0, 4)));
    expect(Array.from(a.rgba.slice(4, 8))).not.toEqual(Array.from(b.rgba.slice(4, 8)));
    const d = differenceImage(Uint8Array.from([0, 1, 0, 1]), 2, 2);
    expect(d.count).toBe(2);
    expect(Array.from(d.image.rgba.slice(4, 8))).toEqual([242, 142, 43, 255]);
  });

  it('per-class rows say which side is better; labels name the origin', () => {
    const rows = classIouRows({ classIou: [{ id: 1, name: 'car', a: 0.5, b: 0.25 }, { id: 2, name: 'road', a: null, b: 0.1 }] } as ComparisonFrame);
    expect(rows).toEqual([{ name: 'car', a: '0.500', b: '0.250', better: 'a' }, { name: 'road', a: '—', b: '0.100', better: null }]);
    expect(recentLabel({ path: '/runs/x/step-000020', origin: 'run', step: 20 })).toBe('step-000020 · step 20 (followed run)');
  });
});
