/**
 * Occ3D occupancy labels (`labels.npz` with `semantics`, `mask_lidar`, `mask_camera`, each
 * `[X, Y, Z]` uint8 indexed x, y, z in the ego frame). The full benchmark keeps one such file
 * per frame under `gts/<scene>/<frame_token>/`, so reading one file reads the benchmark.
 */
import { DataError } from './errors';
import { formatShape, type NpyArray } from './npy';
import { readNpz } from './npz';
import { NUM_CLASSES } from './palette';

/** Occ3D-nuScenes: 0.4 m voxels over x, y in [-40, 40) m and z in [-1, 5.4) m. */
export interface OccupancyGrid {
  xRangeM: [number, number];
  yRangeM: [number, number];
  zRangeM: [number, number];
  voxelSizeM: number;
}

export const OCC3D_NUSCENES_GRID: OccupancyGrid = {
  xRangeM: [-40, 40],
  yRangeM: [-40, 40],
  zRangeM: [-1, 5.4],
  voxelSizeM: 0.4,
};

export interface Occupancy {
  /** Class per voxel, C-order `[X, Y, Z]` (z fastest); 17 = free. */
  semantics: Uint8Array;
  /** 1 where observed; present when read. */
  maskLidar?: Uint8Array;
  maskCamera?: Uint8Array;
  shape: [number, number, number];
  grid: OccupancyGrid;
  source: string;
}

export interface ReadOccupancyOptions {
  /** Which masks to read as well (each costs an inflate of 640 kB). Default: both. */
  masks?: ('lidar' | 'camera')[];
  grid?: OccupancyGrid;
}

export async function readOcc3d(path: string, opts: ReadOccupancyOptions = {}): Promise<Occupancy> {
  const masks = opts.masks ?? ['lidar', 'camera'];
  const members = ['semantics', ...masks.map((m) => `mask_${m}`)];
  const arrays = await readNpz(path, members);
  return occupancyFromArrays(arrays, path, opts.grid ?? OCC3D_NUSCENES_GRID);
}

/** Checks and wraps already-read arrays (also used for `[T, X, Y, Z]` slices). */
export function occupancyFromArrays(arrays: Record<string, NpyArray>, source: string, grid: OccupancyGrid = OCC3D_NUSCENES_GRID): Occupancy {
  const sem = arrays.semantics;
  if (!sem) throw new DataError(source, "no 'semantics' array: not an Occ3D labels file");
  if (sem.shape.length !== 3) {
    throw new DataError(source, `'semantics' has shape ${formatShape(sem.shape)}, expected 3 axes [X, Y, Z]`);
  }
  const shape = sem.shape as [number, number, number];
  const semantics = asClassBytes(sem, source, 'semantics', NUM_CLASSES - 1);
  const occ: Occupancy = { semantics, shape, grid, source };
  for (const [key, field] of [
    ['mask_lidar', 'maskLidar'],
    ['mask_camera', 'maskCamera'],
  ] as const) {
    const m = arrays[key];
    if (!m) continue;
    if (formatShape(m.shape) !== formatShape(shape)) {
      throw new DataError(source, `'${key}' has shape ${formatShape(m.shape)} but 'semantics' has ${formatShape(shape)}`);
    }
    occ[field] = asClassBytes(m, source, key, 1);
  }
  return occ;
}

/** Integer values 0..max as bytes; anything else is a DataError naming the member and the first bad voxel. */
function asClassBytes(a: NpyArray, source: string, member: string, max: number): Uint8Array {
  const d = a.data;
  if (a.dtype.startsWith('float')) {
    throw new DataError(source, `'${member}' is ${a.dtype}; class labels must be an integer dtype`);
  }
  const out = d instanceof Uint8Array ? d : new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = Number(d[i]!);
    if (v < 0 || v > max) {
      throw new DataError(source, `'${member}' holds ${v} at flat index ${i}; values must be 0..${max}`);
    }
    if (out !== d) out[i] = v;
  }
  return out;
}

/** Number of voxels whose class is not free. */
export function countOccupied(occ: Occupancy, freeClass = NUM_CLASSES - 1): number {
  let n = 0;
  for (const v of occ.semantics) if (v !== freeClass) n++;
  return n;
}
