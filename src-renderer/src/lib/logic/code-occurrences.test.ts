import { describe, expect, it } from 'vitest';
import { cropImage, dominantClasses, nearestCodes, occurrenceCells, outlineRect, patchRect, receptiveField, referenceReceptiveField, spreadSample } from './code-occurrences';

const grid = { h: 2, w: 3, depth: 2, indices: Int32Array.from([7, 1, 4, 2, 7, 3, 9, 1, 7, 4, 0, 0]) };

describe('a selected code everywhere', () => {
  it('lists every cell holding the code at the chosen level', () => {
    expect(occurrenceCells(grid, 0, 7)).toEqual([
      { row: 0, col: 0 },
      { row: 0, col: 2 },
      { row: 1, col: 1 },
    ]);
    expect(occurrenceCells(grid, 1, 1)).toEqual([
      { row: 0, col: 0 },
      { row: 1, col: 0 },
    ]);
    expect(occurrenceCells(grid, 0, null)).toEqual([]);
    expect(occurrenceCells(grid, 0, 123)).toEqual([]);
  });

  it('finds the class each code mostly covers in the frame', () => {
    // A 2×2 grid over a 4×4 frame: code 5 on the left column, 6 top right, 8 bottom right.
    const t = { h: 2, w: 2, depth: 1, indices: Int32Array.from([5, 6, 5, 8]) };
    const labels = Uint8Array.from([
      1, 1, 2, 2, //
      1, 3, 2, 2, //
      1, 1, 0, 0, //
      1, 1, 0, 2, //
    ]);
    const d = dominantClasses(t, 0, labels, 4, 4, 4);
    expect(d.get(5)).toEqual({ classId: 1, share: 7 / 8 });
    expect(d.get(6)).toEqual({ classId: 2, share: 1 });
    expect(d.get(8)).toEqual({ classId: 0, share: 3 / 4 });
    expect(d.has(7)).toBe(false);
    expect(() => dominantClasses(t, 0, labels, 5, 4, 4)).toThrow(/5×4/);
  });

  it('finds the nearest codes, nearest first, without the code itself', () => {
    const codes = Float32Array.from([0, 0, 3, 0, 1, 0, 0, 2, 10, 10]);
    expect(nearestCodes(codes, 5, 2, 0, 3)).toEqual([
      { row: 2, distance: 1 },
      { row: 3, distance: 2 },
      { row: 1, distance: 3 },
    ]);
    expect(nearestCodes(codes, 5, 2, 9, 3)).toEqual([]);
    expect(() => nearestCodes(codes, 4, 2, 0, 3)).toThrow(/4×2/);
  });

  it('crops the receptive field of an occurrence out of the input, clamped to the frame', () => {
    expect(receptiveField([{ kernel: 4, stride: 2 }, { kernel: 4, stride: 2 }, { kernel: 3, stride: 1 }])).toBe(18);
    expect(patchRect({ row: 0, col: 1 }, 8, 8, 2, 2, 2)).toEqual({ x0: 2, y0: 0, x1: 8, y1: 6 });
    const img = { width: 3, height: 2, rgba: new Uint8ClampedArray(24).map((_, i) => i) };
    const c = cropImage(img, { x0: 1, y0: 1, x1: 3, y1: 2 });
    expect(c.width).toBe(2);
    expect(c.height).toBe(1);
    expect(Array.from(c.rgba)).toEqual([16, 17, 18, 19, 20, 21, 22, 23]);
  });

  it('outlines the cell inside its patch and knows the reference encoder\'s receptive field', () => {
    const img = { width: 4, height: 4, rgba: new Uint8ClampedArray(64) };
    const o = outlineRect(img, { x0: 1, y0: 1, x1: 3, y1: 3 });
    const lit = [];
    for (let i = 0; i < 16; i++) if (o.rgba[i * 4] === 255) lit.push(i);
    expect(lit).toEqual([5, 6, 9, 10]);
    expect(img.rgba[20]).toBe(0); // the input is not changed
    expect(referenceReceptiveField(64, 16)).toEqual({ stride: 4, field: 18 });
    expect(referenceReceptiveField(200, 25)).toEqual({ stride: 8, field: 38 }) // 1 + 3·(1 + 2 + 4) + 2·8;
  });

  it('spreads a gallery over the whole list of occurrences', () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    expect(spreadSample(items, 5)).toEqual([0, 25, 50, 74, 99]);
    expect(spreadSample([1, 2], 5)).toEqual([1, 2]);
    expect(spreadSample(items, 1)).toEqual([0]);
    expect(spreadSample(items, 0)).toEqual([]);
  });
});
