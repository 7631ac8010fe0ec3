/**
 * Small operations on BevFrames that every reader and the UI share: class maps ↔ one-hot
 * frames, and checks of the values.
 */
import type { BevFrame } from './frame';

/**
 * The class of each cell, `[H, W]`: the argmax over the `numClasses` channels of one height
 * group (ties go to the lower id, so an all-zero cell reads as class 0).
 */
export function labelsOf(frame: BevFrame, group = 0): Uint8Array {
  const enc = frame.encoding;
  if (enc.kind !== 'classes') throw new Error(`labelsOf: frame ${frame.index} is continuous, not a class frame`);
  if (group < 0 || group >= enc.groups) throw new RangeError(`labelsOf: group ${group} out of 0..${enc.groups - 1}`);
  const hw = frame.height * frame.width;
  const k = enc.numClasses;
  const base = group * k * hw;
  const data = frame.data;
  const out = new Uint8Array(hw);
  const best = new Float32Array(hw).fill(-Infinity);
  // Channel-outer loops walk memory in order, which is several times faster than cell-outer.
  for (let c = 0; c < k; c++) {
    const off = base + c * hw;
    for (let i = 0; i < hw; i++) {
      const v = data[off + i]!;
      if (v > best[i]!) {
        best[i] = v;
        out[i] = c;
      }
    }
  }
  return out;
}

/**
 * The top-down class map of a class frame, `[H, W]`: for height-folded frames (groups > 1) the
 * class of the highest group that is not free, free where every group is; for groups = 1 the
 * same as labelsOf. This is what a picture of an occupancy frame shows.
 */
export function topDownLabelsOf(frame: BevFrame): Uint8Array {
  const enc = frame.encoding;
  if (enc.kind !== 'classes') throw new Error(`topDownLabelsOf: frame ${frame.index} is continuous, not a class frame`);
  if (enc.groups === 1 || enc.freeClass === undefined) return labelsOf(frame, enc.groups - 1);
  const free = enc.freeClass;
  const out = new Uint8Array(frame.height * frame.width).fill(free);
  const done = new Uint8Array(out.length);
  for (let g = enc.groups - 1; g >= 0; g--) {
    const lab = labelsOf(frame, g);
    for (let i = 0; i < out.length; i++) {
      if (!done[i] && lab[i] !== free) {
        out[i] = lab[i]!;
        done[i] = 1;
      }
    }
  }
  return out;
}

/** One-hot `[numClasses, H, W]` float32 from a `[H, W]` class map, written into `out` at `offset` if given. */
export function oneHot(labels: Uint8Array, numClasses: number, out?: Float32Array, offset = 0): Float32Array {
  const hw = labels.length;
  const target = out ?? new Float32Array(numClasses * hw);
  for (let i = 0; i < hw; i++) {
    const c = labels[i]!;
    if (c >= numClasses) throw new RangeError(`oneHot: class ${c} at cell ${i} is outside 0..${numClasses - 1}`);
    target[offset + c * hw + i] = 1;
  }
  return target;
}

export interface NonFiniteReport {
  nan: number;
  posInf: number;
  negInf: number;
  /** Up to `maxPositions` flat indices of the first non-finite values, in order. */
  firstIndices: number[];
}

/** Counts NaN / ±Inf and remembers where the first ones are. */
export function findNonFinite(data: ArrayLike<number>, maxPositions = 5): NonFiniteReport {
  const r: NonFiniteReport = { nan: 0, posInf: 0, negInf: 0, firstIndices: [] };
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v === 0) continue; // finite: the fast path, one subtraction
    if (Number.isNaN(v)) r.nan++;
    else if (v > 0) r.posInf++;
    else r.negInf++;
    if (r.firstIndices.length < maxPositions) r.firstIndices.push(i);
  }
  return r;
}

/** Flat index → `[i, j, …]` in a C-order array of this shape. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = flat % shape[k]!;
    flat = Math.floor(flat / shape[k]!);
  }
  return idx;
}
