/**
 * The CLI's say in what a lidar source cannot tell: the sensor's mounting for loose sweeps, the
 * height band and the range of the BEV, and whether a nuScenes root plays every sweep.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { OpenPathOptions } from '../contract/open-options';
import { floatOption } from './options';

export interface LidarCliOptions {
  lidarPreset?: 'nuscenes' | 'kitti' | 'sensor';
  sensorYaw?: number;
  sensorHeight?: number;
  zRange?: [number, number];
  range?: number;
  cell?: number;
  sweeps?: boolean;
}

function presetOption(value: string): 'nuscenes' | 'kitti' | 'sensor' {
  if (value === 'nuscenes' || value === 'kitti' || value === 'sensor') return value;
  throw new InvalidArgumentError('expected nuscenes, kitti or sensor.');
}

function rangePair(value: string): [number, number] {
  const parts = value.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n)) || !(parts[1]! > parts[0]!)) {
    throw new InvalidArgumentError('expected MIN,MAX in metres with MAX above MIN, e.g. -2,6.');
  }
  return parts as [number, number];
}

export function addLidarOptions(cmd: Command): Command {
  return cmd
    .option('--lidar-preset <name>', 'sweeps without calibration: sensor mounting preset (nuscenes: yaw -90°, 1.84 m up; kitti: 1.73 m up; sensor: as read). Default: nuscenes for .pcd.bin, sensor otherwise', presetOption)
    .option('--sensor-yaw <deg>', 'sweeps without calibration: sensor yaw relative to the ego, degrees (overrides the preset)', floatOption(-360, 360))
    .option('--sensor-height <m>', 'sweeps without calibration: sensor height above the ground, metres (overrides the preset)', floatOption(-10, 10))
    .option('--z-range <min,max>', 'lidar: heights kept in the ego frame, metres (default -2,6)', rangePair)
    .option('--range <m>', 'lidar: half the side of the BEV around the ego, metres (default 40)', floatOption(1, 500))
    .option('--cell <m>', 'lidar: BEV cell side, metres (default 0.4)', floatOption(0.01, 10))
    .option('--sweeps', 'nuScenes root: play every lidar sweep, not only the keyframes');
}

/** The openPath options the flags ask for (undefined when none was given). */
export function lidarOpenOptions(o: LidarCliOptions): OpenPathOptions | undefined {
  const lidar: NonNullable<OpenPathOptions['lidar']> = {};
  if (o.lidarPreset) lidar.preset = o.lidarPreset;
  if (o.sensorYaw !== undefined) lidar.yawDeg = o.sensorYaw;
  if (o.sensorHeight !== undefined) lidar.heightM = o.sensorHeight;
  if (o.zRange) lidar.zRangeM = o.zRange;
  if (o.range !== undefined) lidar.rangeM = o.range;
  if (o.cell !== undefined) lidar.cellSizeM = o.cell;
  const out: OpenPathOptions = {};
  if (Object.keys(lidar).length) out.lidar = lidar;
  if (o.sweeps) out.sweeps = true;
  return Object.keys(out).length ? out : undefined;
}
