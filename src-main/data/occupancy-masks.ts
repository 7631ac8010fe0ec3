/**
 * Occ3D's visibility masks (`[X, Y, Z]`, 1 = observed) rearranged into the layout of a
 * height-folded BEV frame's groups, `[Z, H, W]` with row 0 = largest y (bev-grid.ts), so that a
 * metric can skip the same voxels in the class maps of the input and of the reconstruction.
 */
import type { VoxelMasks } from './frame';
import type { Occupancy } from './occ3d';

export function voxelMasksOf(occ: Occupancy): VoxelMasks {
  const out: VoxelMasks = {};
  if (occ.maskLidar) out.lidar = toGroupLayout(occ.maskLidar, occ.shape);
  if (occ.maskCamera) out.camera = toGroupLayout(occ.maskCamera, occ.shape);
  return out;
}

function toGroupLayout(mask: Uint8Array, [X, Y, Z]: [number, number, number]): Uint8Array {
  const out = new Uint8Array(X * Y * Z);
  const hw = X * Y;
  for (let x = 0; x < X; x++) {
    for (let y = 0; y < Y; y++) {
      const cell = (Y - 1 - y) * X + x;
      const base = (x * Y + y) * Z;
      for (let z = 0; z < Z; z++) out[z * hw + cell] = mask[base + z]!;
    }
  }
  return out;
}
