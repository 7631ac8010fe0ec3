import { describe, expect, it } from 'vitest';
import { dimUnobserved } from './visibility';

describe('dimUnobserved', () => {
  it('dims (or hatches) only the cells the mask did not observe, leaving the input untouched', () => {
    const rgba = new Uint8ClampedArray(4 * 4 * 4).fill(200);
    const image = { width: 4, height: 4, rgba };
    const visible = new Uint8Array(16);
    visible[5] = 1;
    const out = dimUnobserved(image, visible);
    expect(Array.from(out.rgba.subarray(20, 24))).toEqual([200, 200, 200, 200]);
    expect(Array.from(out.rgba.subarray(4, 8))).toEqual([50, 50, 50, 200]);
    // Cell (0, 0) lies on the hatching.
    expect(Array.from(out.rgba.subarray(0, 4))).toEqual([90, 90, 90, 200]);
    expect(rgba[4]).toBe(200);
  });

  it('leaves an image alone when the mask is of another size', () => {
    const image = { width: 2, height: 2, rgba: new Uint8ClampedArray(16) };
    expect(dimUnobserved(image, new Uint8Array(3))).toBe(image);
  });
});
