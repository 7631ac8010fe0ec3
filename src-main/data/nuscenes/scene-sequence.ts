/**
 * One scene of a nuScenes DatasetIndex as a FrameSequence: its LIDAR_TOP keyframes (or, with
 * `sweeps`, every sweep) in time order, each moved from the sensor frame into the ego frame by
 * its calibrated_sensor transform, with nuScenes-lidarseg labels attached when installed: the
 * 32 raw classes for the semantic view, merged to the challenge's 16 for the class channels.
 */
import * as path from 'node:path';
import type { DatasetFrameRef, DatasetIndex } from '../dataset-index';
import { DataError } from '../errors';
import type { FrameSequence } from '../frame';
import { readPointCloud, readPointLabels } from '../lidar';
import { DEFAULT_LIDAR_GRID } from '../lidar-bev';
import { checkAlignTo, lidarSequenceShape, rasterizeCalibrated, type LidarSequenceOptions } from '../lidar-sequence';
import { lazySequence } from '../sequence';
import { LIDARSEG_CLASSES, LIDARSEG_TO_CHALLENGE, NUSCENES_LIDARSEG_ATTRIBUTION, toChallengeLabels } from './lidarseg-classes';

export interface NuScenesSceneOptions extends Omit<LidarSequenceOptions, 'mounting'> {
  /** Play every sweep (about 20 Hz) instead of the keyframes (2 Hz); only keyframes have labels. */
  sweeps?: boolean;
}

export const NUSCENES_ATTRIBUTION_PLAIN = 'nuScenes (Motional), CC BY-NC-SA 4.0. For tests and demos only.';

export function openNuScenesScene(index: DatasetIndex, sceneName: string, opts: NuScenesSceneOptions = {}): FrameSequence {
  const scene = index.scenes.find((s) => s.name === sceneName);
  if (!scene) {
    const names = index.scenes.map((s) => s.name);
    const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? `, … (${names.length} in all)` : '');
    throw new DataError(index.root, `has no scene ${JSON.stringify(sceneName)}; its scenes: ${shown || 'none'}`);
  }
  const frames: DatasetFrameRef[] = opts.sweeps ? (scene.sweeps ?? scene.frames) : scene.frames;
  if (frames.length === 0) throw new DataError(index.root, `scene ${sceneName} has no lidar ${opts.sweeps ? 'sweeps' : 'keyframes'}`);
  const useLabels = (opts.labels ?? true) && frames.some((f) => f.labelsPath);
  // Class channels only where every frame is labelled (keyframes); the semantic view needs no such rule.
  const classChannels = useLabels && frames.every((f) => f.labelsPath);
  const channels = opts.channels ?? (classChannels ? ['max_height', 'density', 'mean_intensity', 'classes'] : ['max_height', 'density', 'mean_intensity']);
  const grid = opts.grid ?? DEFAULT_LIDAR_GRID;
  // The dataset's own numbering (category.json) when it declares one, else the v1.0 release's.
  const numbering = index.pointClasses ?? { classes: [...LIDARSEG_CLASSES], merge: LIDARSEG_TO_CHALLENGE, unknown: [] };
  const ref = checkAlignTo(opts.alignTo, frames.length, `scene ${sceneName}`);
  const name = `${sceneName}${opts.sweeps ? ' (all sweeps)' : ''}${ref === undefined ? '' : ` (aligned to frame ${ref})`}`;
  return lazySequence({
    name,
    length: frames.length,
    ...lidarSequenceShape(channels, grid),
    timestampsUs: frames.map((f) => f.timestampUs ?? 0),
    egoPoses: frames.every((f) => f.egoPose) ? frames.map((f) => f.egoPose!) : undefined,
    attribution: useLabels ? NUSCENES_LIDARSEG_ATTRIBUTION : NUSCENES_ATTRIBUTION_PLAIN,
    kind: 'lidar',
    sourcePath: index.root,
    warnings: [...index.warnings],
    cacheFrames: opts.cacheFrames,
    cacheBytes: opts.cacheBytes,
    describe: (i) => frames[i]!.path,
    async load(i) {
      const f = frames[i]!;
      const cloud = await readPointCloud(f.path, { layout: opts.layout ?? 'xyzir' });
      if (useLabels && f.labelsPath) {
        const raw = await readPointLabels(f.labelsPath, cloud.count, numbering.classes.length - 1);
        cloud.semantics = { labels: raw, classes: numbering.classes, name: `nuScenes-lidarseg (${numbering.classes.length} classes)` };
        if (classChannels) cloud.labels = toChallengeLabels(raw, numbering.merge);
      }
      if (!f.sensorToEgo) throw new DataError(f.path, 'has no calibration (calibrated_sensor) in the index');
      const frame = rasterizeCalibrated(cloud, { sensorToEgo: f.sensorToEgo, egoPose: f.egoPose, timestampUs: f.timestampUs }, {
        grid,
        zRangeM: opts.zRangeM,
        channels,
        index: i,
        align: ref === undefined ? undefined : { index: ref, pose: frames[ref]!.egoPose },
        from: { calibration: 'calibrated_sensor.json', poses: 'ego_pose.json' },
      });
      frame.meta.scene = sceneName;
      frame.meta[f.keyFrame === false || opts.sweeps ? 'sampleDataToken' : 'sampleToken'] = f.token;
      frame.meta.keyFrame = f.keyFrame ?? true;
      if (useLabels && f.labelsPath) frame.meta.labelsSource = path.relative(index.root, f.labelsPath);
      return frame;
    },
  });
}
