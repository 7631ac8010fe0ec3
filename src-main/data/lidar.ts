/**
 * Lidar sweeps as point clouds: KITTI `.bin` (float32 × 4: x, y, z, intensity), nuScenes
 * `.pcd.bin` (float32 × 5: x, y, z, intensity, ring), `.npy` N×3 / N×4 / N×5, and per-point
 * class labels (the sample's `pc_seman` N×4 arrays whose last column is the class, a plain
 * `[N]` array, or nuScenes-lidarseg's raw uint8 `.bin`).
 */
import { DataError, displayName } from './errors';
import { findNonFinite } from './frame-utils';
import { formatShape, parseNpy, toFloat32, type NpyArray } from './npy';
import type { PointSemantics } from './lidar-semantic';
import { readBytes } from './read-bytes';

export type PointLayout = 'xyz' | 'xyzi' | 'xyzir';

const STRIDE: Record<PointLayout, number> = { xyz: 3, xyzi: 4, xyzir: 5 };
const FIELDS: Record<PointLayout, string> = { xyz: 'x,y,z', xyzi: 'x,y,z,intensity', xyzir: 'x,y,z,intensity,ring' };

export interface PointCloud {
  /** `count × stride` float32, point-major, in the sensor's frame. */
  points: Float32Array;
  count: number;
  layout: PointLayout;
  stride: number;
  /** Per-point class (nuScenes-lidarseg ids 0..16) when labels were attached. */
  labels?: Uint8Array;
  /** The labels the semantic view shows, with their classes (default: `labels` as challenge classes). */
  semantics?: PointSemantics;
  source: string;
  /** How the layout was decided, for the frame's metadata. */
  layoutReason: string;
}

export interface ReadPointCloudOptions {
  /** Given layout; otherwise inferred from the array shape or the file size. */
  layout?: PointLayout;
}

export function strideOf(layout: PointLayout): number {
  return STRIDE[layout];
}

export async function readPointCloud(path: string, opts: ReadPointCloudOptions = {}): Promise<PointCloud> {
  const bytes = await readBytes(path);
  if (path.toLowerCase().endsWith('.npy')) return pointCloudFromArray(parseNpy(bytes, path), path, opts.layout);
  return parseLidarBin(bytes, path, opts.layout);
}

/** A raw float32 little-endian sweep; layout given, or inferred from the size and the values. */
export function parseLidarBin(bytes: Uint8Array, source: string, layout?: PointLayout): PointCloud {
  if (bytes.length === 0) throw new DataError(source, 'empty point cloud (0 bytes)');
  if (bytes.length % 4 !== 0) {
    throw new DataError(source, `size ${bytes.length} bytes is not a whole number of float32 values`);
  }
  const floats = new Float32Array(bytes.slice().buffer);
  let reason: string;
  if (layout) {
    const stride = STRIDE[layout];
    if (floats.length % stride !== 0) {
      throw new DataError(
        source,
        `size ${bytes.length} bytes does not fit layout ${layout}: expected a multiple of ${stride * 4} bytes (${stride} float32 per point: ${FIELDS[layout]})`,
      );
    }
    reason = 'given';
  } else {
    ({ layout, reason } = inferBinLayout(floats, source, bytes.length));
  }
  return checkCloud({ points: floats, count: floats.length / STRIDE[layout], layout, stride: STRIDE[layout], source, layoutReason: reason });
}

/**
 * Sizes that are multiples of both 16 and 20 bytes fit both layouts; then the values decide:
 * a ring column is small non-negative integers, an intensity column is non-negative, and
 * reading 5-wide data 4-wide (or the reverse) puts coordinates into those columns.
 */
function inferBinLayout(f: Float32Array, source: string, size: number): { layout: PointLayout; reason: string } {
  const fits4 = f.length % 4 === 0;
  const fits5 = f.length % 5 === 0;
  if (!fits4 && !fits5) {
    throw new DataError(
      source,
      `size ${size} bytes fits no point layout: expected a multiple of 16 bytes (x,y,z,intensity) or 20 bytes (x,y,z,intensity,ring)`,
    );
  }
  if (fits4 !== fits5) return { layout: fits4 ? 'xyzi' : 'xyzir', reason: `inferred from size ${size} bytes` };
  // The values decide from here, and NaN would make every layout look implausible: say so instead.
  const bad = findNonFinite(f, 3);
  const nonFinite = bad.nan + bad.posInf + bad.negInf;
  if (nonFinite > 0) {
    throw new DataError(source, `${nonFinite} of its ${f.length} float32 values are not finite (${bad.nan} NaN, ${bad.posInf + bad.negInf} ±Inf), first at value ${bad.firstIndices[0]}: refused`);
  }
  const ok5 = plausible(f, 5);
  const ok4 = plausible(f, 4);
  if (ok5 && !ok4) return { layout: 'xyzir', reason: `inferred from values (size ${size} bytes fits both; column 5 is a ring index)` };
  if (ok4 && !ok5) return { layout: 'xyzi', reason: `inferred from values (size ${size} bytes fits both; no ring column)` };
  if (ok5 && displayName(source).toLowerCase().endsWith('.pcd.bin')) {
    return { layout: 'xyzir', reason: 'inferred from the .pcd.bin name (size fits both layouts)' };
  }
  throw new DataError(
    source,
    `ambiguous point layout: size ${size} bytes fits both ${f.length / 4} points × 4 float32 (x,y,z,intensity) and ${
      f.length / 5
    } points × 5 (x,y,z,intensity,ring)${ok4 ? '' : ' and neither reading looks like a sweep'}; give the layout ('xyzi' or 'xyzir')`,
  );
}

function plausible(f: Float32Array, stride: number): boolean {
  for (let i = 0; i < f.length; i += stride) {
    const intensity = f[i + 3]!;
    if (!(intensity >= 0) || !Number.isFinite(f[i]!) || !Number.isFinite(f[i + 1]!) || !Number.isFinite(f[i + 2]!)) return false;
    if (stride === 5) {
      const ring = f[i + 4]!;
      if (!(ring >= 0 && ring < 1024 && Number.isInteger(ring))) return false;
    }
  }
  return true;
}

/** An `[N, 3|4|5]` array as a cloud; the column count gives the layout unless one is given. */
export function pointCloudFromArray(a: NpyArray, source: string, layout?: PointLayout): PointCloud {
  if (a.shape.length !== 2) {
    throw new DataError(source, `shape ${formatShape(a.shape)} is not a point cloud: expected N×3, N×4 or N×5`);
  }
  const [n, cols] = a.shape as [number, number];
  const byCols: Record<number, PointLayout> = { 3: 'xyz', 4: 'xyzi', 5: 'xyzir' };
  const chosen = layout ?? byCols[cols];
  if (!chosen) throw new DataError(source, `shape ${formatShape(a.shape)} is not a point cloud: expected N×3, N×4 or N×5`);
  if (STRIDE[chosen] !== cols) {
    throw new DataError(source, `shape ${formatShape(a.shape)} does not fit layout ${chosen} (${STRIDE[chosen]} values per point: ${FIELDS[chosen]})`);
  }
  if (a.dtype === 'bool' || a.dtype.includes('int')) {
    throw new DataError(source, `points are ${a.dtype}; expected float32 or float64 coordinates`);
  }
  return checkCloud({
    points: toFloat32(a),
    count: n,
    layout: chosen,
    stride: cols,
    source,
    layoutReason: layout ? 'given' : `from the array's ${cols} columns`,
  });
}

function checkCloud(c: PointCloud): PointCloud {
  if (c.count === 0) throw new DataError(c.source, 'empty point cloud (0 points)');
  const bad = findNonFinite(c.points, 3);
  const total = bad.nan + bad.posInf + bad.negInf;
  if (total > 0) {
    const where = bad.firstIndices.map((i) => `point ${Math.floor(i / c.stride)} ${FIELDS[c.layout].split(',')[i % c.stride]}`).join(', ');
    throw new DataError(c.source, `${total} non-finite values (${bad.nan} NaN, ${bad.posInf + bad.negInf} ±Inf) in the points, first at ${where}`);
  }
  return c;
}

/** Highest class id a point label may have (nuScenes-lidarseg 0..16). */
export const MAX_POINT_CLASS = 16;

/**
 * Per-point classes: `.npy` `[N]` or `[N, k]` (the class is the last column, as in the sample's
 * pc_seman files), or a raw uint8 `.bin` (nuScenes-lidarseg). `expectedCount` is checked.
 */
export async function readPointLabels(path: string, expectedCount?: number, maxClass = MAX_POINT_CLASS): Promise<Uint8Array> {
  const bytes = await readBytes(path);
  let values: ArrayLike<number | bigint>;
  let n: number;
  let cols = 1;
  if (path.toLowerCase().endsWith('.npy')) {
    const a = parseNpy(bytes, path);
    if (a.shape.length === 1) n = a.shape[0]!;
    else if (a.shape.length === 2) [n, cols] = a.shape as [number, number];
    else throw new DataError(path, `shape ${formatShape(a.shape)} is not a list of point labels: expected N or N×k (class in the last column)`);
    values = a.data;
  } else {
    values = bytes;
    n = bytes.length;
  }
  if (expectedCount !== undefined && n !== expectedCount) {
    throw new DataError(path, `has ${n} labels but the point cloud has ${expectedCount} points`);
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(values[i * cols + cols - 1]!);
    if (!(Number.isInteger(v) && v >= 0 && v <= maxClass)) {
      throw new DataError(path, `label ${v} of point ${i} is not a class id 0..${maxClass}`);
    }
    out[i] = v;
  }
  return out;
}
