/**
 * How a lidar sits on the car, for sweeps that come without calibration: its yaw about the
 * vertical (sensor axes → ego axes), how high it is mounted and how far forward. With it a loose
 * sweep lands in the ego frame the BEV convention (bev-grid.ts) and the default height band
 * assume: x forward, y left, z = 0 on the ground.
 * - nuScenes LIDAR_TOP: its x axis points right and y forward (calibrated_sensor's rotation is
 *   about −90° about z: quaternion ≈ (0.708, 0, 0, −0.706)), 1.84 m up and 0.94 m ahead of the
 *   rear axle; read in the sensor frame its BEV comes out rotated 90° and the ground at −1.84 m.
 * - KITTI's Velodyne: x forward, y left, 1.73 m up (the KITTI setup's figures).
 */
import { identityTransform, type RigidTransform } from './pose';

export interface SensorMounting {
  /** Rotation about z taking the sensor's axes to the ego's, degrees (nuScenes: −90). */
  yawDeg: number;
  /** Sensor height above the ground, metres. */
  heightM: number;
  /** Sensor position ahead of the ego origin, metres. */
  forwardM: number;
}

export type MountingPresetName = 'nuscenes' | 'kitti' | 'sensor';

export const MOUNTING_PRESETS: Record<MountingPresetName, SensorMounting & { label: string }> = {
  nuscenes: { label: 'nuScenes LIDAR_TOP', yawDeg: -90, heightM: 1.84, forwardM: 0.94 },
  kitti: { label: 'KITTI Velodyne', yawDeg: 0, heightM: 1.73, forwardM: 0 },
  sensor: { label: 'sensor frame (no mounting)', yawDeg: 0, heightM: 0, forwardM: 0 },
};

/** What a user may say about the mounting: a preset, and any field overriding it. */
export interface MountingOptions extends Partial<SensorMounting> {
  preset?: MountingPresetName;
}

/** The preset a sweep file gets when nothing is said: nuScenes for `.pcd.bin`, the sensor frame otherwise. */
export function defaultPresetFor(file: string): MountingPresetName {
  return file.toLowerCase().endsWith('.pcd.bin') ? 'nuscenes' : 'sensor';
}

export function resolveMounting(file: string, opts: MountingOptions = {}): SensorMounting & { label: string } {
  const base = MOUNTING_PRESETS[opts.preset ?? defaultPresetFor(file)];
  const m = { ...base };
  const overridden: (keyof SensorMounting)[] = [];
  for (const key of ['yawDeg', 'heightM', 'forwardM'] as const) {
    const v = opts[key];
    if (v === undefined) continue;
    if (!Number.isFinite(v)) throw new RangeError(`sensor mounting: ${key} ${v} is not a number`);
    if (v !== base[key]) overridden.push(key);
    m[key] = v;
  }
  if (overridden.length) m.label = `${base.label}, with ${overridden.map((k) => `${k} ${m[k]}`).join(', ')}`;
  return m;
}

export function mountingTransform(m: SensorMounting): RigidTransform {
  if (m.yawDeg === 0 && m.heightM === 0 && m.forwardM === 0) return identityTransform();
  const a = (m.yawDeg * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  return { r: new Float64Array([c, -s, 0, s, c, 0, 0, 0, 1]), t: [m.forwardM, 0, m.heightM] };
}

/** Kinds of sweep files by name, for the warning about folders that mix sensors. */
export function sweepKind(file: string): 'nuScenes .pcd.bin' | 'KITTI .bin' | '.npy' {
  const lower = file.toLowerCase();
  if (lower.endsWith('.pcd.bin')) return 'nuScenes .pcd.bin';
  if (lower.endsWith('.bin')) return 'KITTI .bin';
  return '.npy';
}
