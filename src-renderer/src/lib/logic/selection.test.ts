import { describe, expect, it } from 'vitest';
import * as S from './selection';

const grid = (ids: number[], h: number, w: number, depth = 1): S.TokenGrid => ({ indices: Int32Array.from(ids), h, w, depth });

describe('selection', () => {
  it('clamps frames and wraps only when asked', () => {
    let s = S.emptySelection(5);
    s = S.setFrame(s, 9);
    expect(s.frame).toBe(4);
    expect(S.stepFrame(s, 1).frame).toBe(4);
    expect(S.stepFrame(s, 1, true).frame).toBe(0);
    expect(S.stepFrame(S.setFrame(s, 0), -1, true).frame).toBe(4);
    expect(S.setFrame(S.emptySelection(0), 3).frame).toBe(0);
  });

  it('selecting a cell selects its code; the code survives a frame change', () => {
    const t = grid([3, 4, 5, 6], 2, 2);
    let s = S.selectCell(S.emptySelection(3), { row: 1, col: 0 }, t);
    expect(s.code).toBe(5);
    expect(s.cell).toEqual({ row: 1, col: 0 });
    s = S.stepFrame(s, 1);
    expect(s.code).toBe(5);
    expect(s.frame).toBe(1);
  });

  it('selecting another code drops the cell; the same code keeps it', () => {
    const t = grid([3, 4], 1, 2);
    const s = S.selectCell(S.emptySelection(1), { row: 0, col: 1 }, t);
    expect(S.selectCode(s, 4, 4).cell).toEqual({ row: 0, col: 1 });
    expect(S.selectCode(s, 3, 4).cell).toBeNull();
    expect(S.selectCode(s, null, 4)).toMatchObject({ code: null, cell: null });
  });

  it('a cell outside the grid changes nothing', () => {
    const s = S.emptySelection(1);
    expect(S.selectCell(s, { row: 5, col: 0 }, grid([1], 1, 1))).toBe(s);
  });

  it('changing the residual level clears the code (ids mean other codes there)', () => {
    const t = grid([1, 10, 2, 20], 1, 2, 2);
    let s = S.selectCell(S.emptySelection(1), { row: 0, col: 1 }, t);
    expect(s.code).toBe(2);
    s = S.setLevel(s, 1, 2);
    expect(s).toMatchObject({ level: 1, code: null });
    expect(S.selectCell(s, { row: 0, col: 1 }, t).code).toBe(20);
    expect(S.setLevel(s, 5, 2).level).toBe(1);
  });

  it('computes the change mask and rate between frames', () => {
    const a = grid([1, 2, 3, 4], 2, 2);
    const b = grid([1, 9, 3, 8], 2, 2);
    expect(Array.from(S.changedMask(a, b, 0))).toEqual([0, 1, 0, 1]);
    expect(S.changeRate(a, b)).toBe(0.5);
    expect(() => S.changedMask(a, grid([1], 1, 1), 0)).toThrow(/grids differ/);
    // Depth 2: a cell counts once even if both levels changed.
    expect(S.changeRate(grid([1, 1, 2, 2], 1, 2, 2), grid([5, 5, 2, 3], 1, 2, 2))).toBe(1);
  });

  it('maps frame pixels to token cells', () => {
    expect(S.cellOfPixel(0, 0, 200, 200, 50, 50)).toEqual({ row: 0, col: 0 });
    expect(S.cellOfPixel(199, 4, 200, 200, 50, 50)).toEqual({ row: 1, col: 49 });
    expect(S.cellOfPixel(200, 0, 200, 200, 50, 50)).toBeNull();
  });
});
