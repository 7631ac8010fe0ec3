/**
 * Token levels that are grids of their own. A hierarchical (VQ-VAE-2) model's tokens arrive as
 * one depth-2 grid on the bottom grid (level 0 = the top id of each 2×2 block, level 1 = the
 * bottom id) with `levelNames: ['top', 'bottom']`; the token view shows the top level at its own
 * resolution (h/2 × w/2, 8× down) and maps cells between the two grids. Residual / grouped
 * levels share the frame's grid (stride 1).
 */
import type { Cell, TokenGrid } from './selection';

export interface LeveledTokens extends TokenGrid {
  levelNames?: string[];
  quantError?: Float32Array;
}

/** One level as a depth-1 grid at its own resolution, and its stride on the frame's grid. */
export interface LevelView {
  name: string;
  /** Cells of the frame's grid per level cell along each side (2 for the hierarchical top). */
  stride: number;
  grid: TokenGrid;
  quantError: Float32Array | null;
}

/** The label of level `k` in menus and readouts. */
export function levelLabel(t: Pick<LeveledTokens, 'levelNames'> | null, k: number): string {
  return t?.levelNames?.[k] ?? `level ${k}`;
}

/** Whether level `k` is a coarser grid than the frame's token grid. */
export function levelStride(t: Pick<LeveledTokens, 'levelNames' | 'h' | 'w'>, k: number): number {
  return t.levelNames?.[k] === 'top' && t.h % 2 === 0 && t.w % 2 === 0 ? 2 : 1;
}

export function levelView(t: LeveledTokens, level: number): LevelView {
  const l = Math.min(Math.max(0, level), t.depth - 1);
  const s = levelStride(t, l);
  const h = t.h / s;
  const w = t.w / s;
  const indices = new Int32Array(h * w);
  const err = t.quantError ? new Float32Array(h * w) : null;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const src = r * s * t.w + c * s;
      indices[r * w + c] = t.indices[src * t.depth + l]!;
      if (err) err[r * w + c] = t.quantError![src]!;
    }
  }
  return { name: levelLabel(t, l), stride: s, grid: { indices, h, w, depth: 1 }, quantError: err };
}

/** A cell of the level's grid → the frame grid's cell the selection stores (its block's first cell). */
export function toFrameCell(cell: Cell | null, stride: number): Cell | null {
  return cell ? { row: cell.row * stride, col: cell.col * stride } : null;
}

/** A frame grid's cell → the level grid's cell that covers it. */
export function toLevelCell(cell: Cell | null, stride: number): Cell | null {
  return cell ? { row: Math.floor(cell.row / stride), col: Math.floor(cell.col / stride) } : null;
}
