/**
 * The semantic BEV of a labelled sweep: each cell takes the class most of its points have
 * (ties go to the lower class id, as numpy's argmax does), and cells no point fell in are
 * marked EMPTY_CELL, so a picture can tell "nothing seen" from "class 0". This is a view beside
 * the channels, not a tokenizer input.
 */
import type { ClassInfo, SemanticMap } from './frame';
import { NUSCENES_CLASSES } from './palette';

export const EMPTY_CELL = 255;

/** The labels of a cloud as the semantic view shows them. */
export interface PointSemantics {
  labels: Uint8Array;
  classes: readonly ClassInfo[];
  name: string;
}

/** The sample's labels (already merged to the lidarseg challenge's ids 0..16). */
export function challengeSemantics(labels: Uint8Array): PointSemantics {
  return { labels, classes: NUSCENES_CLASSES.slice(0, 17), name: 'nuScenes-lidarseg challenge classes (16 + others)' };
}

/**
 * `cellOf[p]` is the cell point p fell in, or -1 when it fell outside the grid or the height band.
 * Memory is bounded by the number of points, not by cells × classes.
 */
export function majorityClassMap(cellOf: Int32Array, sem: PointSemantics, cells: number): SemanticMap {
  const k = sem.classes.length;
  const slot = new Int32Array(cells).fill(-1);
  let used = 0;
  for (let p = 0; p < cellOf.length; p++) {
    const c = cellOf[p]!;
    if (c >= 0 && slot[c] === -1) slot[c] = used++;
  }
  const counts = new Uint32Array(used * k);
  for (let p = 0; p < cellOf.length; p++) {
    const c = cellOf[p]!;
    if (c < 0) continue;
    const label = sem.labels[p]!;
    if (label >= k) throw new RangeError(`point ${p} has class ${label}, outside the ${k} classes of ${sem.name}`);
    counts[slot[c]! * k + label]!++;
  }
  const labels = new Uint8Array(cells).fill(EMPTY_CELL);
  for (let c = 0; c < cells; c++) {
    const s = slot[c]!;
    if (s < 0) continue;
    let best = 0;
    for (let j = 1; j < k; j++) if (counts[s * k + j]! > counts[s * k + best]!) best = j;
    labels[c] = best;
  }
  return { labels, classes: sem.classes.map((c) => ({ ...c, rgb: [...c.rgb] })), name: sem.name, emptyValue: EMPTY_CELL };
}
