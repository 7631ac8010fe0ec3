/**
 * Occ3D benchmark metrics of a reconstruction, per frame and over a scene, under each visibility
 * mask the frame has: voxels outside the mask are ignored (Occ3D's `Metric_mIoU` with
 * `use_lidar_mask` / `use_image_mask`), per-class IoU from one confusion matrix, mIoU the mean
 * over the 17 semantic classes (free excluded; classes absent from both sides skipped), and the
 * geometry IoU of occupied vs free. Over a scene the confusion matrices are summed first
 * (total intersections / total unions per class), as the benchmark reports it, not a mean of
 * per-frame mIoUs.
 */
import type { OccupancyScores, VisibilityMask } from '../contract/index';
import type { VoxelMasks } from '../data/frame';
import { ConfusionMatrix } from '../engine/metrics/segmentation';

export const VISIBILITY_MASKS: readonly VisibilityMask[] = ['none', 'camera', 'lidar'];

export interface MaskedMaps {
  /** Predicted class per group and cell `[groups, H, W]`. */
  pred: Uint8Array;
  truth: Uint8Array;
  masks?: VoxelMasks;
}

export class OccupancyAccumulator {
  private readonly matrices = new Map<VisibilityMask, ConfusionMatrix>();
  frames = 0;

  constructor(
    readonly numClasses: number,
    readonly freeClass: number,
  ) {}

  /** Adds a frame under every mask it has (masks whose layout is not the maps' are skipped). */
  add(m: MaskedMaps): void {
    this.frames++;
    for (const kind of VISIBILITY_MASKS) {
      const mask = kind === 'none' ? undefined : m.masks?.[kind];
      if (kind !== 'none' && (!mask || mask.length !== m.truth.length)) continue;
      let cm = this.matrices.get(kind);
      if (!cm) this.matrices.set(kind, (cm = new ConfusionMatrix(this.numClasses)));
      cm.add(m.pred, m.truth, mask);
    }
  }

  scores(): OccupancyScores[] {
    return VISIBILITY_MASKS.flatMap((mask) => {
      const cm = this.matrices.get(mask);
      if (!cm) return [];
      const s = cm.scores(this.freeClass);
      return [{ mask, iou: s.iou, miou: s.miou, perClass: s.perClass.slice(0, this.numClasses) }];
    });
  }
}

/** One frame's scores under each of its masks. */
export function frameOccupancyScores(m: MaskedMaps, numClasses: number, freeClass: number): OccupancyScores[] {
  const acc = new OccupancyAccumulator(numClasses, freeClass);
  acc.add(m);
  return acc.scores();
}

/** Top-down visibility `[H, W]`: 1 where any voxel of the column is observed (for the overlay). */
export function topDownVisibility(masks: VoxelMasks, cells: number): { camera?: Uint8Array; lidar?: Uint8Array } {
  const out: { camera?: Uint8Array; lidar?: Uint8Array } = {};
  for (const kind of ['camera', 'lidar'] as const) {
    const m = masks[kind];
    if (!m || m.length % cells !== 0) continue;
    const td = new Uint8Array(cells);
    for (let g = 0; g < m.length / cells; g++) {
      const o = g * cells;
      for (let i = 0; i < cells; i++) if (m[o + i]) td[i] = 1;
    }
    out[kind] = td;
  }
  return out;
}

/** Scores of every frame of a scene, accumulated; `frame(i)` gives a frame's predicted and true maps. */
export async function evaluateFrames(
  length: number,
  numClasses: number,
  freeClass: number,
  frame: (i: number) => Promise<MaskedMaps>,
  progress: (done: number, total: number) => void,
): Promise<OccupancyScores[]> {
  const acc = new OccupancyAccumulator(numClasses, freeClass);
  for (let i = 0; i < length; i++) {
    acc.add(await frame(i));
    progress(i + 1, length);
  }
  return acc.scores();
}
