/**
 * What `openPath` may be told about a source that it cannot infer (types only). Lidar sweeps
 * without calibration need the sensor's mounting; every lidar source takes a height band and a
 * range; a nuScenes root can play every sweep instead of its keyframes.
 */
export type LidarMountingPreset = 'nuscenes' | 'kitti' | 'sensor';

import type { z } from 'zod';
import type * as schemas from './schemas';

/** Lidar mounting, height band, range and cell size (checked in service/open-options.ts). */
export type LidarOpenOptions = z.infer<typeof schemas.LidarOpenOptionsSchema>;

/**
 * `scene` / `split`: which scene(s) of a dataset; `alignTo`: every frame in the ego frame of
 * this one; `lidar`: what loose sweeps cannot say; `sweeps`: a nuScenes root plays every sweep.
 */
export type OpenPathOptions = z.infer<typeof schemas.OpenPathOptionsSchema>;
