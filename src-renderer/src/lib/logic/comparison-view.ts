import type { ComparisonFrame, RecentCheckpoint, TokenFrame } from '../../../../src-main/contract/index';
import { hashedCodeColor } from './token-colors';

/**
 * The images and rows of the two-checkpoint comparison (Run tab): both token grids coloured by
 * code id (the same id, the same colour on both sides, so equal cells look equal), the
 * difference map with the count of differing cells, and the per-class IoU table.
 */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** A token grid, first level, each code its hashed colour. */
export function tokenImage(t: TokenFrame): RgbaImage {
  const rgba = new Uint8ClampedArray(t.h * t.w * 4);
  for (let c = 0; c < t.h * t.w; c++) rgba.set([...hashedCodeColor(t.indices[c * t.depth]!), 255], c * 4);
  return { width: t.w, height: t.h, rgba };
}

/** The difference map (orange where the ids differ) and how many cells do. */
export function differenceImage(diff: Uint8Array, h: number, w: number): { image: RgbaImage; count: number } {
  const rgba = new Uint8ClampedArray(h * w * 4);
  let count = 0;
  for (let i = 0; i < h * w; i++) {
    count += diff[i] ? 1 : 0;
    rgba.set(diff[i] ? [242, 142, 43, 255] : [38, 42, 50, 255], i * 4);
  }
  return { image: { width: w, height: h, rgba }, count };
}

/** Per-class IoU rows as text, with which side is better (the larger IoU). */
export function classIouRows(c: ComparisonFrame): { name: string; a: string; b: string; better: 'a' | 'b' | null }[] {
  const f = (v: number | null) => (v === null ? '—' : v.toFixed(3));
  return (c.classIou ?? []).map((k) => ({
    name: k.name,
    a: f(k.a),
    b: f(k.b),
    better: k.a === null || k.b === null || k.a === k.b ? null : k.a > k.b ? 'a' : 'b',
  }));
}

/** A recent checkpoint as a pick-list label: its file name, step and where it comes from. */
export function recentLabel(r: RecentCheckpoint): string {
  const name = r.path.split(/[\\/]/).filter(Boolean).at(-1) ?? r.path;
  const from = { opened: 'opened', written: 'written', run: 'followed run', settings: 'earlier session' }[r.origin];
  return `${name}${r.step !== undefined ? ` · step ${r.step}` : ''} (${from})`;
}
