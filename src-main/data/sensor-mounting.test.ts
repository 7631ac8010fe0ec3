import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BevFrame } from './frame';
import { readPointCloud } from './lidar';
import { openPath } from './open-path';
import { resolveMounting } from './sensor-mounting';
import { LIDAR_SAMPLE } from './test-paths';

/** The real sweep pc0 as nuScenes ships it: float32 × 5 in the LIDAR_TOP frame. */
async function writePcdBin(file: string, n = 0): Promise<void> {
  const c = await readPointCloud(path.join(LIDAR_SAMPLE, 'pc', `pc${n}.npy`));
  const out = new Float32Array(c.count * 5);
  for (let p = 0; p < c.count; p++) out.set([...c.points.subarray(p * 4, p * 4 + 4), p % 32], p * 5);
  writeFileSync(file, new Uint8Array(out.buffer));
}

/** Cells with points, as a set of cell ids. */
function occupied(f: BevFrame): Set<number> {
  const out = new Set<number>();
  f.emptyCells!.forEach((e, i) => e || out.add(i));
  return out;
}

const iou = (a: Set<number>, b: Set<number>) => {
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
};

describe('loose sweeps without metadata: sensor mounting', () => {
  let dir = '';
  let calibrated: BevFrame;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mounting-test-'));
    // The sample frame 0 read with its real calibration (meta.json), the reference picture.
    calibrated = await (await openPath(LIDAR_SAMPLE, { lidar: { labels: false } })).getFrame(0);
    await writePcdBin(path.join(dir, 'sweep.pcd.bin'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a .pcd.bin with the nuScenes preset by default: the BEV matches the calibrated one, not rotated 90°', async () => {
    const frame = await (await openPath(path.join(dir, 'sweep.pcd.bin'))).getFrame(0);
    expect(frame.meta.mounting).toMatchObject({ label: 'nuScenes LIDAR_TOP', yawDeg: -90, heightM: 1.84 });
    expect(frame.meta.transform).toMatch(/^sensor → ego by mounting nuScenes LIDAR_TOP/);
    const raw = await (await openPath(path.join(dir, 'sweep.pcd.bin'), { lidar: { mounting: { preset: 'sensor' } } })).getFrame(0);
    const withPreset = iou(occupied(frame), occupied(calibrated));
    const inSensorFrame = iou(occupied(raw), occupied(calibrated));
    expect(withPreset).toBeGreaterThan(0.7);
    expect(inSensorFrame).toBeLessThan(0.4);
    // (Not 1: the real mounting also has a little roll and pitch, which far cells feel.)
    // The ground: in the sensor frame the default band [-2, 6) m cuts its lower half, with the preset it keeps it.
    expect(frame.meta.pointsOutOfHeight as number).toBeLessThan((raw.meta.pointsOutOfHeight as number) / 2);
  });

  it('takes the yaw, height, height band and range that are given', async () => {
    const file = path.join(dir, 'sweep.pcd.bin');
    const given = await (
      await openPath(file, { lidar: { mounting: { yawDeg: 90, heightM: 0.5 }, zRangeM: [-1, 3], grid: { xRangeM: [-20, 20], yRangeM: [-20, 20], cellSizeM: 0.5 } } })
    ).getFrame(0);
    expect([given.height, given.width]).toEqual([80, 80]);
    expect(given.meta.zRangeM).toEqual([-1, 3]);
    expect(given.meta.mounting).toMatchObject({ yawDeg: 90, heightM: 0.5, forwardM: 0.94, label: 'nuScenes LIDAR_TOP, with yawDeg 90, heightM 0.5' });
    // Yaw +90 instead of −90 turns the picture half a turn: cell (r, c) ↔ (H−1−r, W−1−c), up to the forward offset.
    const flipped = await (await openPath(file, { lidar: { mounting: { yawDeg: 90, forwardM: 0 } } })).getFrame(0);
    const straight = await (await openPath(file, { lidar: { mounting: { forwardM: 0 } } })).getFrame(0);
    const turned = new Set([...occupied(flipped)].map((i) => straight.height * straight.width - 1 - i));
    expect(iou(turned, occupied(straight))).toBeGreaterThan(0.9);
    expect(() => resolveMounting('a.pcd.bin', { heightM: Number.NaN })).toThrow(/heightM NaN is not a number/);
    expect(resolveMounting('a.bin')).toMatchObject({ yawDeg: 0, heightM: 0 });
    expect(resolveMounting('a.bin', { preset: 'kitti' })).toMatchObject({ yawDeg: 0, heightM: 1.73 });
  });

  it('warns about a folder that mixes KITTI .bin and nuScenes .pcd.bin, naming both kinds', async () => {
    const mixed = path.join(dir, 'mixed');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(mixed);
    await writePcdBin(path.join(mixed, '000001.pcd.bin'));
    writeFileSync(path.join(mixed, '000002.bin'), new Uint8Array(new Float32Array([1, 2, -1.5, 0.3, 4, 5, -1, 0.9, 7, 8, 0, 0.1]).buffer));
    const seq = await openPath(mixed);
    expect(seq.warnings).toEqual([
      'mixed mixes 1 KITTI .bin and 1 nuScenes .pcd.bin sweeps: each is read with its own format\'s mounting (nuScenes LIDAR_TOP for .pcd.bin, the sensor frame for .bin); they come from different sensors, so frames of the two kinds do not line up',
    ]);
    expect((await seq.getFrame(0)).meta.mounting).toMatchObject({ yawDeg: -90 });
    expect((await seq.getFrame(1)).meta.mounting).toMatchObject({ yawDeg: 0, heightM: 0 });
    expect((await openPath(path.join(dir, 'sweep.pcd.bin'))).warnings).toBeUndefined();
  });
});
