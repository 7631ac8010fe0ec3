/**
 * Lidar sequences: the nuScenes-style sample (`meta.json` + `pc/pcN.npy` + `pc_seman/…`), and a
 * plain folder of sweeps. Each frame is read and rasterized when asked for; with `alignTo`,
 * points go lidar → ego → global → the reference frame's ego, so static things stay put.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gridShape, type BevGrid } from './bev-grid';
import { DataError, isFsError } from './errors';
import type { BevFrame, EgoPose, FrameSequence, SequenceHeader } from './frame';
import { readPointCloud, readPointLabels, type PointCloud, type PointLayout } from './lidar';
import { DEFAULT_LIDAR_GRID, lidarChannelNames, rasterizeLidar, type LidarBevOptions, type LidarChannel } from './lidar-bev';
import { NUSCENES_LIDARSEG_ATTRIBUTION } from './nuscenes/lidarseg-classes';
import { listFolder } from './list-folder';
import { compose, egoToReference, transformFromPose, type RigidTransform } from './pose';
import { readText } from './read-bytes';
import { lazySequence, naturalCompare, type CacheOptions } from './sequence';
import { mountingTransform, resolveMounting, sweepKind, type MountingOptions } from './sensor-mounting';
import { enclosingNuScenesRoot } from './nuscenes/dataset-root';

export interface LidarSequenceOptions extends CacheOptions, Pick<LidarBevOptions, 'grid' | 'zRangeM'> {
  channels?: LidarChannel[];
  /** Use the per-point labels when the sample has them (default true). */
  labels?: boolean;
  /** Express every frame in the ego frame of this frame index (ego-motion alignment). */
  alignTo?: number;
  layout?: PointLayout;
  /** Sweeps without calibration: where the sensor sits (default per file: nuScenes for .pcd.bin). */
  mounting?: MountingOptions;
}

interface SampleFrameMeta {
  frame: number;
  timestampUs: number;
  egoPose: EgoPose;
  lidarToEgo: EgoPose;
  numPoints?: number;
}

const POINT_FILE = /\.(npy|bin)$/i;

/** Whether a folder looks like the sample: a meta.json and a pc/ folder. */
export async function isLidarSampleFolder(dir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, 'meta.json'));
    return (await fs.stat(path.join(dir, 'pc'))).isDirectory();
  } catch {
    return false;
  }
}

export async function readLidarSampleMeta(dir: string): Promise<SampleFrameMeta[]> {
  const file = path.join(dir, 'meta.json');
  let json: unknown;
  const text = await readText(file);
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataError(file, `not valid JSON: ${(err as Error).message}`);
  }
  const frames = (json as { frames?: unknown }).frames;
  if (!Array.isArray(frames) || frames.length === 0) throw new DataError(file, "no 'frames' list");
  return frames.map((f: Record<string, unknown>, i) => {
    const need = <T>(key: string, ok: (v: unknown) => boolean): T => {
      if (!ok(f[key])) throw new DataError(file, `frame ${i} has no valid '${key}'`);
      return f[key] as T;
    };
    const vec = (n: number) => (v: unknown) => Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    return {
      frame: need<number>('frame', (v) => Number.isInteger(v)),
      timestampUs: need<number>('timestamp_us', (v) => typeof v === 'number'),
      egoPose: {
        translation: need<[number, number, number]>('ego2global_translation', vec(3)),
        rotationWxyz: need<[number, number, number, number]>('ego2global_rotation_wxyz', vec(4)),
      },
      lidarToEgo: {
        translation: need<[number, number, number]>('lidar2ego_translation', vec(3)),
        rotationWxyz: need<[number, number, number, number]>('lidar2ego_rotation_wxyz', vec(4)),
      },
      numPoints: typeof f.num_points === 'number' ? f.num_points : undefined,
    };
  });
}

/** The point and label files of sample frame N (labels are named pc_seman_N.npy or pc_semanN.npy). */
async function sampleFiles(dir: string, n: number): Promise<{ points: string; labels?: string }> {
  const points = path.join(dir, 'pc', `pc${n}.npy`);
  for (const name of [`pc_seman_${n}.npy`, `pc_seman${n}.npy`]) {
    const p = path.join(dir, 'pc_seman', name);
    try {
      await fs.access(p);
      return { points, labels: p };
    } catch {
      /* try the next spelling */
    }
  }
  return { points };
}

export async function openLidarSample(dir: string, opts: LidarSequenceOptions = {}): Promise<FrameSequence> {
  const frames = await readLidarSampleMeta(dir);
  const useLabels = opts.labels ?? true;
  const first = await sampleFiles(dir, frames[0]!.frame);
  const withLabels = useLabels && first.labels !== undefined;
  const channels = opts.channels ?? (withLabels ? ['max_height', 'density', 'mean_intensity', 'classes'] : ['max_height', 'density', 'mean_intensity']);
  const grid = opts.grid ?? DEFAULT_LIDAR_GRID;
  const ref = checkAlignTo(opts.alignTo, frames.length, dir);
  const name = path.basename(path.resolve(dir));
  return lazySequence({
    name: ref === undefined ? name : `${name} (aligned to frame ${ref})`,
    length: frames.length,
    ...lidarSequenceShape(channels, grid),
    timestampsUs: frames.map((f) => f.timestampUs),
    egoPoses: frames.map((f) => f.egoPose),
    attribution: NUSCENES_LIDARSEG_ATTRIBUTION,
    kind: 'lidar',
    sourcePath: dir,
    cacheFrames: opts.cacheFrames,
    cacheBytes: opts.cacheBytes,
    describe: (i) => path.join(dir, 'pc', `pc${frames[i]!.frame}.npy`),
    async load(i) {
      const f = frames[i]!;
      const files = await sampleFiles(dir, f.frame);
      const cloud = await readPointCloud(files.points, { layout: opts.layout });
      if (f.numPoints !== undefined && f.numPoints !== cloud.count) {
        throw new DataError(files.points, `has ${cloud.count} points but meta.json says ${f.numPoints}`);
      }
      if (withLabels) {
        if (!files.labels) throw new DataError(files.points, `no labels file pc_seman/pc_seman_${f.frame}.npy beside it`);
        cloud.labels = await readPointLabels(files.labels, cloud.count);
      }
      const align = ref === undefined ? undefined : { index: ref, pose: frames[ref]!.egoPose };
      const frame = rasterizeCalibrated(cloud, { sensorToEgo: f.lidarToEgo, egoPose: f.egoPose, timestampUs: f.timestampUs }, {
        grid,
        zRangeM: opts.zRangeM,
        channels,
        index: i,
        align,
        from: { calibration: 'meta.json', poses: 'meta.json poses' },
      });
      if (files.labels && withLabels) frame.meta.labelsSource = files.labels;
      return frame;
    },
  });
}

/** The header fields every lidar sequence shares: its channels and its grid's shape. */
export function lidarSequenceShape(channels: LidarChannel[], grid: BevGrid): Pick<SequenceHeader, 'channels' | 'height' | 'width' | 'channelNames' | 'encoding'> {
  const names = lidarChannelNames(channels);
  return { channels: names.length, ...gridShape(grid), channelNames: names, encoding: { kind: 'continuous' } };
}

/** `alignTo` checked against a sequence's length (`what` names the sequence in the error). */
export function checkAlignTo(ref: number | undefined, length: number, what: string): number | undefined {
  if (ref !== undefined && !(Number.isInteger(ref) && ref >= 0 && ref < length)) {
    throw new RangeError(`alignTo ${ref} is not a frame of ${what} (0..${length - 1})`);
  }
  return ref;
}

/** A sweep with its calibration: the sensor's mounting, and the ego pose it was taken at. */
export interface CalibratedSweep {
  sensorToEgo: EgoPose;
  egoPose?: EgoPose;
  timestampUs?: number;
}

/**
 * Rasterizes a calibrated sweep in its ego frame, or (with `align`) in the ego frame of a
 * reference frame, so that static things stay put; `from` names the tables in the metadata.
 */
export function rasterizeCalibrated(
  cloud: PointCloud,
  sweep: CalibratedSweep,
  o: Pick<LidarBevOptions, 'grid' | 'zRangeM' | 'channels'> & {
    index: number;
    align?: { index: number; pose: EgoPose | undefined };
    from: { calibration: string; poses: string };
  },
): BevFrame {
  let transform: RigidTransform = transformFromPose(sweep.sensorToEgo);
  let label = `lidar → ego (${o.from.calibration})`;
  if (o.align) {
    if (!sweep.egoPose || !o.align.pose) throw new DataError(cloud.source, 'has no ego pose to align with');
    transform = compose(egoToReference(sweep.egoPose, o.align.pose), transform);
    label = `lidar → ego → ego of frame ${o.align.index} (${o.from.poses})`;
  }
  const frame = rasterizeLidar(cloud, {
    grid: o.grid,
    zRangeM: o.zRangeM,
    channels: o.channels,
    transform,
    transformLabel: label,
    index: o.index,
    timestampUs: sweep.timestampUs,
    egoPose: sweep.egoPose,
  });
  if (o.align) frame.meta.alignedTo = { index: o.align.index, pose: o.align.pose };
  return frame;
}

/** Point files of a folder in natural order (`pc10` after `pc9`). */
export async function listPointFiles(dir: string): Promise<string[]> {
  const names = (await listFolder(dir)).map((e) => e.name).filter((n) => POINT_FILE.test(n) && !n.startsWith('.'));
  return names.sort(naturalCompare).map((n) => path.join(dir, n));
}

/**
 * A folder of sweeps with no calibration: each is moved into the ego frame by a mounting (given,
 * else its format's preset: nuScenes for `.pcd.bin`, the sensor frame for KITTI `.bin` and `.npy`).
 */
export async function openLidarFiles(files: string[], name: string, opts: LidarSequenceOptions = {}): Promise<FrameSequence> {
  if (files.length === 0) throw new DataError(name, 'no point-cloud files');
  const mountings = files.map((f) => resolveMounting(f, opts.mounting));
  const transforms = mountings.map(mountingTransform);
  const channels = opts.channels ?? ['max_height', 'density', 'mean_intensity'];
  const grid = opts.grid ?? DEFAULT_LIDAR_GRID;
  return lazySequence({
    name: path.basename(name),
    length: files.length,
    ...lidarSequenceShape(channels, grid),
    kind: 'lidar',
    sourcePath: name,
    cacheFrames: opts.cacheFrames,
    cacheBytes: opts.cacheBytes,
    describe: (i) => files[i]!,
    warnings: [...mixedSweepWarnings(files, path.basename(name), opts.mounting), ...(await insideRootHint(name))],
    async load(i) {
      const cloud = await readPointCloud(files[i]!, { layout: opts.layout });
      const m = mountings[i]!;
      const label =
        m.yawDeg === 0 && m.heightM === 0 && m.forwardM === 0
          ? 'none (sensor frame: no calibration given)'
          : `sensor → ego by mounting ${m.label}: yaw ${m.yawDeg}°, ${m.heightM} m up, ${m.forwardM} m forward`;
      const frame = rasterizeLidar(cloud, { grid, zRangeM: opts.zRangeM, channels, index: i, transform: transforms[i], transformLabel: label });
      frame.meta.mounting = { ...m };
      return frame;
    },
  });
}

/** Sweeps opened from inside a nuScenes root lose what its tables know: say where the root is. */
async function insideRootHint(name: string): Promise<string[]> {
  const root = await enclosingNuScenesRoot(name);
  return root
    ? [`${path.basename(name)} is part of the nuScenes root ${root}: open the root for the calibration, the time order and the labels of each scene (read here with a preset mounting, in file-name order)`]
    : [];
}

/** A folder mixing KITTI and nuScenes sweeps: their sensors sit differently and their frames don't line up. */
function mixedSweepWarnings(files: string[], name: string, mounting: MountingOptions | undefined): string[] {
  const counts = new Map<string, number>();
  for (const f of files) counts.set(sweepKind(f), (counts.get(sweepKind(f)) ?? 0) + 1);
  const kitti = counts.get('KITTI .bin') ?? 0;
  const nus = counts.get('nuScenes .pcd.bin') ?? 0;
  if (kitti === 0 || nus === 0) return [];
  const how = mounting
    ? 'all are read with the one mounting given'
    : 'each is read with its own format\'s mounting (nuScenes LIDAR_TOP for .pcd.bin, the sensor frame for .bin)';
  return [`${name} mixes ${kitti} KITTI .bin and ${nus} nuScenes .pcd.bin sweeps: ${how}; they come from different sensors, so frames of the two kinds do not line up`];
}
