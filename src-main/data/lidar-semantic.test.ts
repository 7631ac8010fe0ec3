import { describe, expect, it } from 'vitest';
import type { PointCloud } from './lidar';
import { rasterizeLidar } from './lidar-bev';
import { EMPTY_CELL, majorityClassMap } from './lidar-semantic';
import { LIDARSEG_CLASSES } from './nuscenes/lidarseg-classes';
import { Rng } from '../util/rng';

/** The most frequent class per cell, recomputed the plain way: a Map of counts per cell. */
function plainMajority(cells: number[], labels: Uint8Array, n: number): Uint8Array {
  const byCell = new Map<number, Map<number, number>>();
  cells.forEach((c, p) => {
    if (c < 0) return;
    const m = byCell.get(c) ?? new Map<number, number>();
    m.set(labels[p]!, (m.get(labels[p]!) ?? 0) + 1);
    byCell.set(c, m);
  });
  const out = new Uint8Array(n).fill(255);
  for (const [c, m] of byCell) {
    const best = [...m].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;
    out[c] = best[0];
  }
  return out;
}

describe('semantic BEV: the most frequent class of each cell', () => {
  it('matches a plain recomputation on random labelled points, ties to the lower id, empty cells apart', () => {
    const rng = new Rng(5);
    const rand = () => rng.next();
    const n = 3000;
    const cells = Array.from({ length: n }, () => (rand() < 0.1 ? -1 : Math.floor(rand() * 100)));
    const labels = Uint8Array.from({ length: n }, () => Math.floor(rand() * 32));
    const got = majorityClassMap(Int32Array.from(cells), { labels, classes: LIDARSEG_CLASSES, name: 't' }, 400);
    expect(got.labels).toEqual(plainMajority(cells, labels, 400));
    expect(got.emptyValue).toBe(EMPTY_CELL);
    expect(got.labels.slice(100).every((v) => v === EMPTY_CELL)).toBe(true);
    // A tie: two points of class 9 and two of class 3 in one cell → 3.
    const tie = majorityClassMap(Int32Array.of(0, 0, 0, 0), { labels: Uint8Array.of(9, 3, 9, 3), classes: LIDARSEG_CLASSES, name: 't' }, 1);
    expect(tie.labels[0]).toBe(3);
    expect(() => majorityClassMap(Int32Array.of(0), { labels: Uint8Array.of(40), classes: LIDARSEG_CLASSES, name: 'x' }, 1)).toThrow(/class 40, outside the 32 classes of x/);
  });

  it('rasterizeLidar marks empty cells and builds the map from the points kept in the grid and the band', () => {
    // Cell (row 0, col 0) of a 2×2 grid over [0, 2) m: two cars and a pedestrian; one car point above the band.
    const pts = new Float32Array([0.5, 1.5, 0, 1, 0.6, 1.6, 0, 1, 0.7, 1.7, 0, 1, 0.5, 1.5, 9, 1, 1.5, 0.5, 0, 1]);
    const cloud: PointCloud = { points: pts, count: 5, layout: 'xyzi', stride: 4, labels: Uint8Array.of(7, 4, 4, 4, 11), source: 't', layoutReason: 'given' };
    const f = rasterizeLidar(cloud, { grid: { xRangeM: [0, 2], yRangeM: [0, 2], cellSizeM: 1 }, channels: ['density'] });
    expect(Array.from(f.emptyCells!)).toEqual([0, 1, 1, 0]);
    expect(Array.from(f.semantic!.labels)).toEqual([4, EMPTY_CELL, EMPTY_CELL, 11]);
    expect(f.semantic!.classes[4]!.name).toBe('car');
  });
});
