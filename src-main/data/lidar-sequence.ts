/**
 * Lidar sequences: the nuScenes-style sample (`meta.json` + `pc/pcN.npy` + `pc_seman/…`), and a
 * plain folder of sweeps. Each frame is read and rasterized when asked for; with `alignTo`,
 * points go lidar → ego → global → the reference frame's ego, so static things stay put.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gridShape } from './bev-grid';
import { DataError } from './errors';
import type { EgoPose, FrameSequence } from './frame';
import { readPointCloud, readPointLabels, type PointLayout } from './lidar';
import { DEFAULT_LIDAR_GRID, lidarChannelNames, rasterizeLidar, type LidarBevOptions, type LidarChannel } from './lidar-bev';
import { listFolder } from './list-folder';
import { NUSCENES_ATTRIBUTION } from './palette';
import { compose, egoToReference, transformFromPose, type RigidTransform } from './pose';
import { readText } from './read-bytes';
import { lazySequence, naturalCompare, type CacheOptions } from './sequence';

export interface LidarSequenceOptions extends CacheOptions, Pick<LidarBevOptions, 'grid' | 'zRangeM'> {
  channels?: LidarChannel[];
  /** Use the per-point labels when the sample has them (default true). */
  labels?: boolean;
  /** Express every frame in the ego frame of this frame index (ego-motion alignment). */
  alignTo?: number;
  layout?: PointLayout;
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
  const { height, width } = gridShape(grid);
  const ref = opts.alignTo;
  if (ref !== undefined && !(Number.isInteger(ref) && ref >= 0 && ref < frames.length)) {
    throw new RangeError(`alignTo ${ref} is not a frame of ${dir} (0..${frames.length - 1})`);
  }
  const name = path.basename(path.resolve(dir));
  return lazySequence({
    name: ref === undefined ? name : `${name} (aligned to frame ${ref})`,
    length: frames.length,
    channels: lidarChannelNames(channels).length,
    height,
    width,
    channelNames: lidarChannelNames(channels),
    encoding: { kind: 'continuous' },
    timestampsUs: frames.map((f) => f.timestampUs),
    egoPoses: frames.map((f) => f.egoPose),
    attribution: NUSCENES_ATTRIBUTION,
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
      let transform: RigidTransform = transformFromPose(f.lidarToEgo);
      let label = 'lidar → ego (meta.json)';
      if (ref !== undefined) {
        transform = compose(egoToReference(f.egoPose, frames[ref]!.egoPose), transform);
        label = `lidar → ego → ego of frame ${ref} (meta.json poses)`;
      }
      const frame = rasterizeLidar(cloud, {
        grid,
        zRangeM: opts.zRangeM,
        channels,
        transform,
        transformLabel: label,
        index: i,
        timestampUs: f.timestampUs,
        egoPose: f.egoPose,
      });
      if (files.labels && withLabels) frame.meta.labelsSource = files.labels;
      if (ref !== undefined) frame.meta.alignedTo = { index: ref, pose: frames[ref]!.egoPose };
      return frame;
    },
  });
}

/** Point files of a folder in natural order (`pc10` after `pc9`). */
export async function listPointFiles(dir: string): Promise<string[]> {
  const names = (await listFolder(dir)).map((e) => e.name).filter((n) => POINT_FILE.test(n) && !n.startsWith('.'));
  return names.sort(naturalCompare).map((n) => path.join(dir, n));
}

/** A folder of sweeps with no calibration: frames stay in the sensor frame. */
export async function openLidarFiles(files: string[], name: string, opts: LidarSequenceOptions = {}): Promise<FrameSequence> {
  if (files.length === 0) throw new DataError(name, 'no point-cloud files');
  const channels = opts.channels ?? ['max_height', 'density', 'mean_intensity'];
  const grid = opts.grid ?? DEFAULT_LIDAR_GRID;
  const { height, width } = gridShape(grid);
  return lazySequence({
    name: path.basename(name),
    length: files.length,
    channels: lidarChannelNames(channels).length,
    height,
    width,
    channelNames: lidarChannelNames(channels),
    encoding: { kind: 'continuous' },
    kind: 'lidar',
    sourcePath: name,
    cacheFrames: opts.cacheFrames,
    cacheBytes: opts.cacheBytes,
    describe: (i) => files[i]!,
    async load(i) {
      const cloud = await readPointCloud(files[i]!, { layout: opts.layout });
      return rasterizeLidar(cloud, { grid, zRangeM: opts.zRangeM, channels, index: i, transformLabel: 'none (sensor frame: no calibration given)' });
    },
  });
}
