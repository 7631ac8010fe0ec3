/**
 * A lidar sweep → a continuous BEV frame: points are moved into the ego frame (or any frame the
 * caller's transform says), dropped into the cells of a BevGrid (bev-grid.ts convention), and
 * summarised per cell. Points outside the x/y range or the z range are counted in the frame's
 * metadata, not treated as an error.
 */
import { describeGrid, gridShape, type BevGrid } from './bev-grid';
import type { BevFrame, EgoPose } from './frame';
import type { PointCloud } from './lidar';
import { MAX_POINT_CLASS } from './lidar';
import { challengeSemantics, majorityClassMap } from './lidar-semantic';
import { NUSCENES_CLASSES } from './palette';
import type { RigidTransform } from './pose';

export type LidarChannel = 'max_height' | 'density' | 'mean_intensity' | 'classes';

export interface LidarBevOptions {
  /** Default: x, y in [-40, 40) m at 0.4 m, the Occ3D grid (200×200). */
  grid?: BevGrid;
  /** Heights kept, in the target frame. Default [-2, 6) m (the nuScenes ego frame's z = 0 is the ground). */
  zRangeM?: [number, number];
  /** Default: max_height, density, mean_intensity, plus classes when the cloud has labels. */
  channels?: LidarChannel[];
  /** Sensor → target frame (lidar → ego, possibly composed with an alignment). Default: none. */
  transform?: RigidTransform;
  /** Named in the metadata: what the transform does. */
  transformLabel?: string;
  index?: number;
  timestampUs?: number;
  egoPose?: EgoPose;
}

export const DEFAULT_LIDAR_GRID: BevGrid = { xRangeM: [-40, 40], yRangeM: [-40, 40], cellSizeM: 0.4 };
export const DEFAULT_Z_RANGE: [number, number] = [-2, 6];
/** Point counts saturate at 63 (MV3D's density: log(1 + n) / log(64), capped at 1). */
const DENSITY_LOG = Math.log(64);

/** Channel names, in order, for a set of lidar channels. */
export function lidarChannelNames(channels: readonly LidarChannel[]): string[] {
  const names: string[] = [];
  for (const c of channels) {
    if (c === 'classes') for (let k = 0; k <= MAX_POINT_CLASS; k++) names.push(`class/${NUSCENES_CLASSES[k]!.name}`);
    else names.push(c);
  }
  return names;
}

export function rasterizeLidar(cloud: PointCloud, opts: LidarBevOptions = {}): BevFrame {
  const grid = opts.grid ?? DEFAULT_LIDAR_GRID;
  const [zMin, zMax] = opts.zRangeM ?? DEFAULT_Z_RANGE;
  const channels = opts.channels ?? (cloud.labels ? ['max_height', 'density', 'mean_intensity', 'classes'] : ['max_height', 'density', 'mean_intensity']);
  if (channels.includes('classes') && !cloud.labels) {
    throw new Error(`rasterizeLidar: ${cloud.source} has no point labels for the 'classes' channels`);
  }
  if (channels.includes('mean_intensity') && cloud.layout === 'xyz') {
    throw new Error(`rasterizeLidar: ${cloud.source} has no intensity (layout xyz)`);
  }
  const { height: H, width: W } = gridShape(grid);
  const hw = H * W;
  const cell = grid.cellSizeM;
  const [x0] = grid.xRangeM;
  const y1 = grid.yRangeM[1];
  const r = opts.transform?.r;
  const t = opts.transform?.t ?? [0, 0, 0];
  const count = new Uint32Array(hw);
  const maxZ = new Float32Array(hw).fill(-Infinity);
  const sumI = new Float64Array(hw);
  const classBits = cloud.labels ? new Uint32Array(hw) : undefined; // bit k: a point of class k
  const { points, stride, labels } = cloud;
  const semantics = cloud.semantics ?? (labels ? challengeSemantics(labels) : undefined);
  const cellOf = semantics ? new Int32Array(cloud.count).fill(-1) : undefined;
  let outXY = 0;
  let outZ = 0;
  for (let p = 0, o = 0; p < cloud.count; p++, o += stride) {
    let x = points[o]!;
    let y = points[o + 1]!;
    let z = points[o + 2]!;
    if (r) {
      const nx = r[0]! * x + r[1]! * y + r[2]! * z + t[0];
      const ny = r[3]! * x + r[4]! * y + r[5]! * z + t[1];
      z = r[6]! * x + r[7]! * y + r[8]! * z + t[2];
      x = nx;
      y = ny;
    }
    const col = Math.floor((x - x0) / cell);
    const row = Math.floor((y1 - y) / cell);
    if (col < 0 || col >= W || row < 0 || row >= H) {
      outXY++;
      continue;
    }
    if (!(z >= zMin && z < zMax)) {
      outZ++;
      continue;
    }
    const c = row * W + col;
    if (cellOf) cellOf[p] = c;
    count[c]!++;
    if (z > maxZ[c]!) maxZ[c] = z;
    if (stride > 3) sumI[c] += points[o + 3]!;
    if (classBits) classBits[c]! |= 1 << labels![p]!;
  }
  const names = lidarChannelNames(channels);
  const data = new Float32Array(names.length * hw);
  let ch = 0;
  for (const c of channels) {
    if (c === 'classes') {
      for (let k = 0; k <= MAX_POINT_CLASS; k++, ch++) {
        const off = ch * hw;
        const bit = 1 << k;
        for (let i = 0; i < hw; i++) if (classBits![i]! & bit) data[off + i] = 1;
      }
      continue;
    }
    const off = ch * hw;
    for (let i = 0; i < hw; i++) {
      const n = count[i]!;
      if (n === 0) continue;
      if (c === 'max_height') data[off + i] = maxZ[i]! - zMin;
      else if (c === 'density') data[off + i] = Math.min(1, Math.log(1 + n) / DENSITY_LOG);
      else data[off + i] = sumI[i]! / n;
    }
    ch++;
  }
  const emptyCells = new Uint8Array(hw);
  for (let i = 0; i < hw; i++) if (count[i] === 0) emptyCells[i] = 1;
  return {
    data,
    emptyCells,
    ...(semantics && cellOf ? { semantic: majorityClassMap(cellOf, semantics, hw) } : {}),
    channels: names.length,
    height: H,
    width: W,
    channelNames: names,
    encoding: { kind: 'continuous' },
    index: opts.index ?? 0,
    timestampUs: opts.timestampUs,
    egoPose: opts.egoPose,
    meta: {
      source: cloud.source,
      kind: 'lidar',
      layout: cloud.layout,
      layoutReason: cloud.layoutReason,
      points: cloud.count,
      pointsInGrid: cloud.count - outXY - outZ,
      pointsOutOfRange: outXY,
      pointsOutOfHeight: outZ,
      zRangeM: [zMin, zMax],
      transform: opts.transformLabel ?? (opts.transform ? 'given' : 'none (sensor frame)'),
      grid: describeGrid(grid),
      channels: {
        max_height: `metres above ${zMin} m (the bottom of the z range), 0 where there are no points`,
        density: 'min(1, log(1 + points) / log(64))',
        mean_intensity: 'mean raw intensity, 0 where there are no points',
        classes: '1 where a point of that class fell in the cell',
      },
    },
  };
}
