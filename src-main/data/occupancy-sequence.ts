/**
 * A sequence of Occ3D `labels.npz` files (the benchmark keeps one per frame under
 * `gts/<scene>/<frame_token>/`). Frame tokens carry no order, so frames follow the natural
 * order of their paths unless the caller passes the files already ordered.
 */
import * as path from 'node:path';
import type { EgoPose, FrameSequence } from './frame';
import { checkFrameShape } from './frame-limits';
import { readOcc3d, type OccupancyGrid } from './occ3d';
import { occupancyToBev, type OccupancyBevOptions } from './occupancy-bev';
import { voxelMasksOf } from './occupancy-masks';
import { classChannelNames, classEncoding, NUM_CLASSES, NUSCENES_ATTRIBUTION } from './palette';
import { lazySequence, type CacheOptions } from './sequence';

export interface OccupancySequenceOptions extends CacheOptions, Pick<OccupancyBevOptions, 'mode' | 'mask' | 'unobserved'> {
  grid?: OccupancyGrid;
  name?: string;
  /** Read both visibility masks and keep them with each frame (for masked metrics and overlays). */
  keepMasks?: boolean;
  /** Per frame, when the caller knows them (a dataset's annotations). */
  timestampsUs?: number[];
  egoPoses?: EgoPose[];
  /** What the sequence says it was opened from (default: derived from the files). */
  sourcePath?: string;
}

export async function openOccupancyFiles(files: string[], opts: OccupancySequenceOptions = {}): Promise<FrameSequence> {
  const mask = opts.mask ?? 'none';
  const masks: ('lidar' | 'camera')[] = opts.keepMasks ? ['lidar', 'camera'] : mask === 'none' ? [] : [mask];
  // Read the first frame to learn the grid's shape (Z decides the channel count).
  const first = await readOcc3d(files[0]!, { masks, grid: opts.grid });
  const groups = (opts.mode ?? 'height-folded') === 'height-folded' ? first.shape[2] : 1;
  checkFrameShape(files[0]!, groups * NUM_CLASSES, first.shape[1], first.shape[0]);
  return lazySequence({
    name: opts.name ?? (files.length === 1 ? path.basename(files[0]!) : path.basename(path.dirname(path.dirname(files[0]!)))),
    length: files.length,
    channels: groups * NUM_CLASSES,
    height: first.shape[1],
    width: first.shape[0],
    channelNames: classChannelNames(groups),
    encoding: classEncoding(groups),
    attribution: NUSCENES_ATTRIBUTION,
    kind: 'occ3d',
    sourcePath: opts.sourcePath ?? (files.length === 1 ? files[0]! : path.dirname(path.dirname(files[0]!))),
    ...(opts.timestampsUs ? { timestampsUs: opts.timestampsUs } : {}),
    ...(opts.egoPoses ? { egoPoses: opts.egoPoses } : {}),
    cacheFrames: opts.cacheFrames,
    cacheBytes: opts.cacheBytes,
    describe: (i) => files[i]!,
    async load(i) {
      const occ = i === 0 ? first : await readOcc3d(files[i]!, { masks, grid: opts.grid });
      const frame = occupancyToBev(occ, { mode: opts.mode, mask, unobserved: opts.unobserved, index: i });
      if (opts.keepMasks) frame.voxelMasks = voxelMasksOf(occ);
      return frame;
    },
  });
}
