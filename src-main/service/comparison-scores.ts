import type { FrameEncoding } from '../data/frame';
import { segmentationScores } from '../engine/metrics/segmentation';
import type { TokenFrame } from '../contract/index';

/**
 * The figures a two-checkpoint comparison shows for both sides of one frame: per-class IoU of
 * each reconstruction against the input (class frames), and how much of each codebook the frame
 * uses. Pure functions on what the comparison already fetched.
 */

export interface ClassIou {
  id: number;
  name: string;
  /** IoU of A's / B's decoded top-down class map against the input's; null where the class is absent from both. */
  a: number | null;
  b: number | null;
}

/**
 * Per-class IoU of two decoded top-down class maps against the true one (the Occ3D classes on
 * height-folded data). The top-down map is what the views show; the scene-wide 3-D table is
 * `evaluateScene`'s. Null on continuous data or when a map is missing.
 */
export function perClassIou(encoding: FrameEncoding, truth: Uint8Array | undefined, a: Uint8Array | undefined, b: Uint8Array | undefined): ClassIou[] | null {
  if (encoding.kind !== 'classes' || !truth || !a || !b || a.length !== truth.length || b.length !== truth.length) return null;
  const K = encoding.numClasses;
  const free = encoding.freeClass ?? 0;
  const sa = segmentationScores(a, truth, K, free).perClass;
  const sb = segmentationScores(b, truth, K, free).perClass;
  const nameOf = new Map(encoding.palette.map((c) => [c.id, c.name]));
  const out: ClassIou[] = [];
  for (let c = 0; c < K; c++) {
    if (c === encoding.freeClass) continue;
    const va = sa[c]!;
    const vb = sb[c]!;
    if (Number.isNaN(va) && Number.isNaN(vb)) continue;
    out.push({ id: c, name: nameOf.get(c) ?? `class ${c}`, a: Number.isNaN(va) ? null : va, b: Number.isNaN(vb) ? null : vb });
  }
  return out;
}

export interface FrameCodeUsage {
  /** Distinct code ids on the frame (over every level). */
  used: number;
  codebookSize: number;
}

export function frameCodeUsage(t: TokenFrame, codebookSize: number): FrameCodeUsage {
  return { used: new Set(t.indices).size, codebookSize };
}

/** Cells set in a `[h, w]` 0/1 map. */
export function countSet(map: Uint8Array | null): number {
  let n = 0;
  if (map) for (const v of map) n += v;
  return n;
}
