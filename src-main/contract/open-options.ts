/**
 * What `openPath` may be told about a source that it cannot infer (types only). Lidar sweeps
 * without calibration need the sensor's mounting; every lidar source takes a height band and a
 * range; a nuScenes root can play every sweep instead of its keyframes.
 */
export type LidarMountingPreset = 'nuscenes' | 'kitti' | 'sensor';

export interface LidarOpenOptions {
  /** Where the sensor sits (loose sweeps only; calibrated data uses its own calibration). Default: nuscenes for .pcd.bin, sensor otherwise. */
  preset?: LidarMountingPreset;
  /** Sensor yaw relative to the ego, degrees (overrides the preset's). */
  yawDeg?: number;
  /** Sensor height above the ground, metres (overrides the preset's). */
  heightM?: number;
  /** Heights kept in the ego frame, metres, [min, max). Default [-2, 6). */
  zRangeM?: [number, number];
  /** Half the side of the square BEV around the ego, metres. Default 40. */
  rangeM?: number;
  /** Cell side, metres. Default 0.4. */
  cellSizeM?: number;
}

export interface OpenPathOptions {
  /** A dataset (Occ3D root, gts/, scene folder, nuScenes root): which scene (default: the first). */
  scene?: string;
  /** Instead of one scene, every scene of this split one after another (to train on many scenes). */
  split?: string;
  /**
   * Express every frame in the ego frame of this frame (needs ego poses), so the static world
   * stays put and tokens change only where things move.
   */
  alignTo?: number;
  lidar?: LidarOpenOptions;
  /** nuScenes root: play every lidar sweep (about 20 Hz) instead of the keyframes (2 Hz). */
  sweeps?: boolean;
}
