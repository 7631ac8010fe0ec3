import { describe, expect, it } from 'vitest';
import { levelLabel, levelView, toFrameCell, toLevelCell } from './token-levels';

// A hierarchical frame: a 4×4 bottom grid, depth 2 (level 0 = top id of the 2×2 block, level 1 = bottom id).
function hierFrame() {
  const h = 4;
  const w = 4;
  const indices = new Int32Array(h * w * 2);
  const quantError = new Float32Array(h * w);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const i = r * w + c;
      indices[i * 2] = 100 + (r >> 1) * 2 + (c >> 1); // top: 4 blocks
      indices[i * 2 + 1] = i; // bottom: every cell its own id
      quantError[i] = i / 10;
    }
  }
  return { indices, h, w, depth: 2, levelNames: ['top', 'bottom'], quantError };
}

describe('token levels', () => {
  it('shows the hierarchical top level at its own resolution, one id per 2×2 block', () => {
    const v = levelView(hierFrame(), 0);
    expect([v.name, v.stride, v.grid.h, v.grid.w, v.grid.depth]).toEqual(['top', 2, 2, 2, 1]);
    expect(Array.from(v.grid.indices)).toEqual([100, 101, 102, 103]);
    expect(Array.from(v.quantError!)).toEqual([0, 0.2, 0.8, 1].map((x) => Math.fround(x)));
  });

  it('shows the bottom level at the frame grid', () => {
    const v = levelView(hierFrame(), 1);
    expect([v.name, v.stride, v.grid.h, v.grid.w]).toEqual(['bottom', 1, 4, 4]);
    expect(Array.from(v.grid.indices)).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it('keeps residual levels on the frame grid and names them by number', () => {
    const t = { ...hierFrame(), levelNames: undefined };
    const v = levelView(t, 0);
    expect([v.name, v.stride, v.grid.h]).toEqual(['level 0', 1, 4]);
    expect(levelLabel(t, 1)).toBe('level 1');
    expect(levelLabel(hierFrame(), 1)).toBe('bottom');
  });

  it('maps cells between the top grid and the frame grid', () => {
    expect(toFrameCell({ row: 1, col: 1 }, 2)).toEqual({ row: 2, col: 2 });
    expect(toLevelCell({ row: 3, col: 2 }, 2)).toEqual({ row: 1, col: 1 });
    expect(toLevelCell(null, 2)).toBeNull();
  });
});
