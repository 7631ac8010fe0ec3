/**
 * Occupancy `[X, Y, Z]` → BEV frames, in the grid convention of bev-grid.ts (column = x index,
 * row 0 = largest y):
 * - height-folded one-hot (OccWorld's input): channel z·18 + class, `groups = Z`;
 * - top-down semantic map: the class of the highest non-free voxel of each column, `groups = 1`.
 * A mask, when asked, marks unobserved voxels: they count as free (so the one-hot stays a
 * valid target) or as all-zero channels ("unknown", ignored by a masked loss).
 */
import { describeGrid } from './bev-grid';
import type { BevFrame } from './frame';
import type { Occupancy } from './occ3d';
import { classChannelNames, classEncoding, FREE_CLASS, NUM_CLASSES } from './palette';

export interface OccupancyBevOptions {
  mode?: 'height-folded' | 'top-down';
  /** Only voxels observed by this sensor count. Default: none (all voxels). */
  mask?: 'lidar' | 'camera' | 'none';
  /** How unobserved voxels appear: as free (default) or as all-zero channels. */
  unobserved?: 'free' | 'zero';
  index?: number;
  timestampUs?: number;
}

export function occupancyToBev(occ: Occupancy, opts: OccupancyBevOptions = {}): BevFrame {
  const mode = opts.mode ?? 'height-folded';
  const maskKind = opts.mask ?? 'none';
  const [X, Y, Z] = occ.shape;
  let mask: Uint8Array | undefined;
  if (maskKind !== 'none') {
    mask = maskKind === 'lidar' ? occ.maskLidar : occ.maskCamera;
    if (!mask) throw new Error(`occupancyToBev: ${occ.source} was read without its ${maskKind} mask`);
  }
  const zeroUnobserved = opts.unobserved === 'zero';
  const sem = occ.semantics;
  const H = Y;
  const W = X;
  const hw = H * W;
  const K = NUM_CLASSES;
  const groups = mode === 'height-folded' ? Z : 1;
  const data = new Float32Array(groups * K * hw);
  let unobserved = 0;
  if (mode === 'height-folded') {
    // Output-major order (z, row, column) so each plane is written front to back; the reads
    // jump through a 640 kB array that stays in cache (measured ~1.7× faster than voxel order).
    for (let z = 0; z < Z; z++) {
      const planeBase = z * K * hw;
      for (let row = 0; row < H; row++) {
        const y = Y - 1 - row;
        const rowBase = planeBase + row * W;
        for (let x = 0; x < X; x++) {
          const v = (x * Y + y) * Z + z;
          let c = sem[v]!;
          if (mask && mask[v] === 0) {
            unobserved++;
            if (zeroUnobserved) continue;
            c = FREE_CLASS;
          }
          data[rowBase + c * hw + x] = 1;
        }
      }
    }
  } else {
    for (let x = 0; x < X; x++) {
      for (let y = 0; y < Y; y++) {
        const cell = (Y - 1 - y) * W + x;
        const base = (x * Y + y) * Z;
        let top: number = FREE_CLASS;
        let seen = !mask;
        for (let z = Z - 1; z >= 0; z--) {
          if (mask && mask[base + z] === 0) continue;
          seen = true;
          const c = sem[base + z]!;
          if (c !== FREE_CLASS) {
            top = c;
            break;
          }
        }
        if (!seen) {
          unobserved++;
          if (zeroUnobserved) continue;
        }
        data[top * hw + cell] = 1;
      }
    }
  }
  const cell = occ.grid.voxelSizeM;
  return {
    data,
    channels: groups * K,
    height: H,
    width: W,
    channelNames: classChannelNames(groups),
    encoding: classEncoding(groups),
    index: opts.index ?? 0,
    timestampUs: opts.timestampUs,
    meta: {
      source: occ.source,
      kind: 'occ3d',
      mode,
      mask: maskKind,
      voxels: formatVoxels(occ.shape),
      // Unobserved voxels (height-folded) or columns with no observed voxel (top-down).
      unobserved,
      grid: describeGrid({ xRangeM: [...occ.grid.xRangeM], yRangeM: [...occ.grid.yRangeM], cellSizeM: cell }),
      zRangeM: occ.grid.zRangeM,
    },
  };
}

function formatVoxels(shape: readonly number[]): string {
  return shape.join('×');
}
