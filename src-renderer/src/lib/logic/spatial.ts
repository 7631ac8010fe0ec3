/**
 * Where a BEV pixel is in the world: every builder (procedural, Occ3D, lidar) writes its grid into
 * the frame's `meta.grid` (src-main/data/bev-grid.ts): x (forward) along the columns increasing,
 * y (left) along the rows decreasing, so a frame is drawn with forward to the RIGHT and the car's
 * left at the top. Pure functions: metres of a pixel, axis ticks, a scale bar, the ego's pixel.
 */

export interface MetricGrid {
  xRangeM: [number, number];
  yRangeM: [number, number];
  cellSizeM: number;
}

/** How the frames are oriented, said wherever metres are shown (not OccWorld's forward-up). */
export const ORIENTATION_NOTE = 'forward (ego +x) points right, the ego’s left (+y) up; x = columns, y = rows';

function pair(v: unknown): [number, number] | null {
  return Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number' && Number.isFinite(n)) ? [v[0] as number, v[1] as number] : null;
}

/**
 * The grid a frame declares, when it has one and it fits the frame's size (a frame resampled or
 * read from a bare `.npy` has none: no metres are made up for it).
 */
export function gridOfMeta(meta: Record<string, unknown> | undefined, width: number, height: number): MetricGrid | null {
  const g = meta?.grid as Record<string, unknown> | undefined;
  if (!g || typeof g !== 'object') return null;
  const x = pair(g.xRangeM);
  const y = pair(g.yRangeM);
  const c = g.cellSizeM;
  if (!x || !y || typeof c !== 'number' || !(c > 0)) return null;
  if (Math.round((x[1] - x[0]) / c) !== width || Math.round((y[1] - y[0]) / c) !== height) return null;
  return { xRangeM: x, yRangeM: y, cellSizeM: c };
}

/** Metres (ego frame) of the centre of pixel (x = column, y = row). */
export function metresOfPixel(g: MetricGrid, x: number, y: number): { xM: number; yM: number } {
  return { xM: g.xRangeM[0] + (x + 0.5) * g.cellSizeM, yM: g.yRangeM[1] - (y + 0.5) * g.cellSizeM };
}

/** Fractional pixel coordinates (column, row) of a point in metres (pixel edges are integers). */
export function pixelOfMetres(g: MetricGrid, xM: number, yM: number): { x: number; y: number } {
  return { x: (xM - g.xRangeM[0]) / g.cellSizeM, y: (g.yRangeM[1] - yM) / g.cellSizeM };
}

/** The ego's pixel (origin of the ego frame), or null when the grid does not contain it. */
export function egoPixel(g: MetricGrid): { x: number; y: number } | null {
  const inside = g.xRangeM[0] <= 0 && 0 <= g.xRangeM[1] && g.yRangeM[0] <= 0 && 0 <= g.yRangeM[1];
  return inside ? pixelOfMetres(g, 0, 0) : null;
}

/** 1, 2 or 5 × 10^k: the largest such step not above `v` (v > 0). */
export function niceFloor(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`niceFloor: ${v} is not a positive number`);
  const p = 10 ** Math.floor(Math.log10(v));
  const m = v / p;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}

/** Round tick values in [lo, hi] about `count` apart, as 1/2/5 × 10^k metres. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [];
  const step = niceFloor((hi - lo) / Math.max(1, count));
  const out: number[] = [];
  // Integer multiples of the step, so 0 is always a tick when it is in range.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9; k++) out.push(Number((k * step).toFixed(6)));
  return out;
}

/** A scale bar: the longest 1/2/5 × 10^k metres that fits in `maxPx` at `pxPerMetre`. */
export function scaleBar(pxPerMetre: number, maxPx: number): { metres: number; px: number } | null {
  if (!(pxPerMetre > 0) || !(maxPx > 0)) return null;
  const metres = niceFloor(maxPx / pxPerMetre);
  return { metres, px: metres * pxPerMetre };
}

/** "12.4 m" / "−3 m": metres as the axes and the hover readout print them. */
export function formatMetres(v: number, digits = 1): string {
  const r = Number(v.toFixed(digits));
  return `${r === 0 ? 0 : r} m`;
}
