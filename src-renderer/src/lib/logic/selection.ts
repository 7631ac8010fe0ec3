/**
 * The one selection every panel follows: the current frame, the selected code (and the residual
 * level it belongs to), the selected latent cell. Pure functions over a plain object so the rules
 * are unit-tested; the Svelte store (`store/app.svelte.ts`) holds the object and applies them.
 */

export interface Cell {
  row: number;
  col: number;
}

export interface Selection {
  frame: number;
  /** Frames in the sequence (0 when nothing is open). */
  length: number;
  code: number | null;
  cell: Cell | null;
  /** Residual level the code ids refer to. */
  level: number;
}

export function emptySelection(length = 0): Selection {
  return { frame: 0, length, code: null, cell: null, level: 0 };
}

function clampFrame(i: number, length: number): number {
  if (length <= 0) return 0;
  return Math.min(length - 1, Math.max(0, Math.trunc(i)));
}

/** Go to a frame (clamped). The selected code stays: it is followed across frames. */
export function setFrame(s: Selection, index: number): Selection {
  return { ...s, frame: clampFrame(index, s.length) };
}

/** Step by `delta` frames; `wrap` loops at the ends (playback), otherwise it stops there. */
export function stepFrame(s: Selection, delta: number, wrap = false): Selection {
  if (s.length <= 0) return s;
  let next = s.frame + delta;
  if (wrap) next = ((next % s.length) + s.length) % s.length;
  return setFrame(s, next);
}

/** A new sequence: back to frame 0, selection cleared. */
export function resetForSource(length: number): Selection {
  return emptySelection(length);
}

/** Select a code (null clears). A selected cell is kept only if it still holds that code. */
export function selectCode(s: Selection, code: number | null, cellCode?: number | null): Selection {
  const keepCell = s.cell !== null && code !== null && cellCode === code;
  return { ...s, code, cell: keepCell ? s.cell : null };
}

export interface TokenGrid {
  indices: Int32Array;
  h: number;
  w: number;
  depth: number;
}

/** The code id at a cell and level, or null when the cell is outside the grid. */
export function tokenAt(t: TokenGrid, row: number, col: number, level: number): number | null {
  if (row < 0 || col < 0 || row >= t.h || col >= t.w) return null;
  const l = Math.min(Math.max(0, level), t.depth - 1);
  return t.indices[(row * t.w + col) * t.depth + l]!;
}

/** Selecting a cell selects its code (at the current level). */
export function selectCell(s: Selection, cell: Cell | null, tokens: TokenGrid | null): Selection {
  if (!cell || !tokens) return { ...s, cell: null };
  const code = tokenAt(tokens, cell.row, cell.col, s.level);
  if (code === null) return s;
  return { ...s, cell, code };
}

/** Change residual level: ids of another level mean other codes, so the code selection is cleared. */
export function setLevel(s: Selection, level: number, depth: number): Selection {
  const l = Math.min(Math.max(0, Math.trunc(level)), Math.max(0, depth - 1));
  if (l === s.level) return s;
  return { ...s, level: l, code: null, cell: null };
}

/** `[h, w]` mask: 1 where the cell's code at `level` differs between two frames of the same grid. */
export function changedMask(a: TokenGrid, b: TokenGrid, level: number): Uint8Array {
  if (a.h !== b.h || a.w !== b.w || a.depth !== b.depth) {
    throw new Error(`changedMask: grids differ (${a.h}×${a.w}×${a.depth} vs ${b.h}×${b.w}×${b.depth})`);
  }
  const n = a.h * a.w;
  const l = Math.min(Math.max(0, level), a.depth - 1);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = a.indices[i * a.depth + l] !== b.indices[i * b.depth + l] ? 1 : 0;
  return out;
}

/** Fraction of cells whose code changed (any level) between two frames. */
export function changeRate(a: TokenGrid, b: TokenGrid): number {
  if (a.indices.length !== b.indices.length) throw new Error('changeRate: grids differ in size');
  const cells = a.h * a.w;
  if (cells === 0) return 0;
  let changed = 0;
  for (let i = 0; i < cells; i++) {
    for (let l = 0; l < a.depth; l++) {
      if (a.indices[i * a.depth + l] !== b.indices[i * a.depth + l]) {
        changed++;
        break;
      }
    }
  }
  return changed / cells;
}

/** Maps image coordinates of a `[H, W]` frame to the token cell that covers them. */
export function cellOfPixel(x: number, y: number, H: number, W: number, h: number, w: number): Cell | null {
  if (x < 0 || y < 0 || x >= W || y >= H) return null;
  return { row: Math.min(h - 1, Math.floor((y * h) / H)), col: Math.min(w - 1, Math.floor((x * w) / W)) };
}
