/**
 * `openPath`'s options as they arrive from outside (IPC, WebSocket, CLI): checked here and
 * turned into the data layer's OpenOptions, so a bad value is a clear ArgumentError and never a
 * grid of a billion cells.
 */
import type { LidarOpenOptions, OpenPathOptions } from '../contract/open-options';
import type { OpenOptions } from '../data/open-path';
import { ArgumentError } from './errors';
import { checkOptionalInt } from './validate';
import { checkObject } from './validate-arguments';

const PRESETS = ['nuscenes', 'kitti', 'sensor'] as const;
/** Cells per side at most: 2048² float channels are already ~16 MB each. */
const MAX_CELLS = 2048;

export function checkOpenOptions(method: string, value: unknown): OpenOptions {
  const o = checkObject(method, value) as Record<keyof OpenPathOptions, unknown>;
  const out: OpenOptions = {};
  for (const key of ['scene', 'split'] as const) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || v === '' || v.length > 255) throw new ArgumentError(method, `${key} must be a ${key} name, got ${JSON.stringify(v)}`);
    out[key] = v;
  }
  const alignTo = checkOptionalInt(method, 'alignTo', o.alignTo, 0, 10_000_000);
  if (alignTo !== undefined) out.alignTo = alignTo;
  if (o.sweeps !== undefined) {
    if (typeof o.sweeps !== 'boolean') throw new ArgumentError(method, `sweeps must be true or false, got ${JSON.stringify(o.sweeps)}`);
    out.sweeps = o.sweeps;
  }
  if (o.lidar !== undefined) out.lidar = checkLidar(method, checkObject(method, o.lidar) as Record<keyof LidarOpenOptions, unknown>);
  return out;
}

function num(method: string, name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ArgumentError(method, `lidar.${name} must be a number in ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function checkLidar(method: string, o: Record<keyof LidarOpenOptions, unknown>): NonNullable<OpenOptions['lidar']> {
  const out: NonNullable<OpenOptions['lidar']> = {};
  const mounting: NonNullable<NonNullable<OpenOptions['lidar']>['mounting']> = {};
  if (o.preset !== undefined) {
    if (!PRESETS.includes(o.preset as (typeof PRESETS)[number])) {
      throw new ArgumentError(method, `lidar.preset must be one of ${PRESETS.join(', ')}, got ${JSON.stringify(o.preset)}`);
    }
    mounting.preset = o.preset as (typeof PRESETS)[number];
  }
  if (o.yawDeg !== undefined) mounting.yawDeg = num(method, 'yawDeg', o.yawDeg, -360, 360);
  if (o.heightM !== undefined) mounting.heightM = num(method, 'heightM', o.heightM, -10, 10);
  if (Object.keys(mounting).length) out.mounting = mounting;
  if (o.zRangeM !== undefined) {
    const z = o.zRangeM;
    if (!Array.isArray(z) || z.length !== 2) throw new ArgumentError(method, `lidar.zRangeM must be [min, max] in metres, got ${JSON.stringify(z)}`);
    const lo = num(method, 'zRangeM[0]', z[0], -100, 100);
    const hi = num(method, 'zRangeM[1]', z[1], -100, 100);
    if (!(hi > lo)) throw new ArgumentError(method, `lidar.zRangeM [${lo}, ${hi}] is empty: max must be above min`);
    out.zRangeM = [lo, hi];
  }
  if (o.rangeM !== undefined || o.cellSizeM !== undefined) {
    const range = o.rangeM === undefined ? 40 : num(method, 'rangeM', o.rangeM, 1, 500);
    const cell = o.cellSizeM === undefined ? 0.4 : num(method, 'cellSizeM', o.cellSizeM, 0.01, 10);
    const cells = (2 * range) / cell;
    if (Math.abs(cells - Math.round(cells)) > 1e-6) {
      throw new ArgumentError(method, `lidar: a range of ±${range} m is not a whole number of ${cell} m cells`);
    }
    if (Math.round(cells) > MAX_CELLS) throw new ArgumentError(method, `lidar: ±${range} m at ${cell} m is ${Math.round(cells)} cells a side (at most ${MAX_CELLS})`);
    out.grid = { xRangeM: [-range, range], yRangeM: [-range, range], cellSizeM: cell };
  }
  return out;
}
