import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addLidarOptions, lidarOpenOptions, type LidarCliOptions } from './lidar-options';

function parse(args: string[]): LidarCliOptions {
  const cmd = addLidarOptions(new Command('t').exitOverride().configureOutput({ writeErr: () => {} }));
  cmd.parse(args, { from: 'user' });
  return cmd.opts<LidarCliOptions>();
}

describe('CLI lidar options', () => {
  it('turns the flags into openPath options, and nothing into nothing', () => {
    expect(lidarOpenOptions(parse([]))).toBeUndefined();
    expect(lidarOpenOptions(parse(['--lidar-preset', 'kitti', '--sensor-yaw', '-90', '--sensor-height', '1.8', '--z-range', '-3,5', '--range', '25.6', '--cell', '0.2', '--sweeps']))).toEqual({
      lidar: { preset: 'kitti', yawDeg: -90, heightM: 1.8, zRangeM: [-3, 5], rangeM: 25.6, cellSizeM: 0.2 },
      sweeps: true,
    });
  });

  it('refuses bad values with a one-line reason', () => {
    expect(() => parse(['--lidar-preset', 'velodyne'])).toThrow(/expected nuscenes, kitti or sensor/);
    expect(() => parse(['--z-range', '6,-2'])).toThrow(/expected MIN,MAX in metres with MAX above MIN/);
    expect(() => parse(['--range', '0'])).toThrow(/expected a number in 1..500/);
  });
});
