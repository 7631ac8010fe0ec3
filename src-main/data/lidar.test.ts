import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from './npy';
import { parseLidarBin, readPointCloud, readPointLabels } from './lidar';
import { rasterizeLidar } from './lidar-bev';
import { apply, compose, invert, quaternionToMatrix, transformFromPose, yawOf } from './pose';
import { HAS_NUMPY, LIDAR_SAMPLE, pythonJson } from './test-paths';

const bytesOf = (f: Float32Array) => new Uint8Array(f.buffer);

describe('lidar sweeps', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lidar-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads KITTI .bin (×4) and nuScenes .pcd.bin (×5), inferring the layout from the size', async () => {
    const kitti = new Float32Array([1, -2, 0.5, 0.3, 4, 5, -1, 0.9, -7, 8, 0, 0.1]); // 3 points, 48 bytes: only ×4 fits
    writeFileSync(path.join(dir, '000001.bin'), bytesOf(kitti));
    const k = await readPointCloud(path.join(dir, '000001.bin'));
    expect([k.layout, k.count, k.stride]).toEqual(['xyzi', 3, 4]);
    expect(k.layoutReason).toMatch(/size 48 bytes/);
    const nus = new Float32Array([1, 2, 3, 40, 0, 4, 5, 6, 50, 31, -1, -2, -3, 60, 7]); // 3 points, 60 bytes: only ×5
    writeFileSync(path.join(dir, 'sweep.pcd.bin'), bytesOf(nus));
    const n = await readPointCloud(path.join(dir, 'sweep.pcd.bin'));
    expect([n.layout, n.count]).toEqual(['xyzir', 3]);
    expect(n.points[5 * 2 + 3]).toBe(60);
  });

  it('decides sizes that fit both layouts from the values, and refuses a truly ambiguous one', () => {
    // 20 KITTI points = 320 bytes = also 16 points × 5. Negative coordinates land in the
    // intensity column when read 5-wide, so the values say ×4.
    const k = new Float32Array(80);
    for (let i = 0; i < 20; i++) k.set([-i - 0.5, i * 0.7 - 3, -1.5, 0.25], i * 4);
    expect(parseLidarBin(bytesOf(k), 'k.bin').layout).toBe('xyzi');
    // 16 nuScenes points with integer rings: the values say ×5.
    const n = new Float32Array(80);
    for (let i = 0; i < 16; i++) n.set([-i - 0.5, 3 - i, -1.5, 12, i % 32], i * 5);
    expect(parseLidarBin(bytesOf(n), 'n.bin').layout).toBe('xyzir');
    // All zeros reads fine both ways: an error for .bin, the naming convention for .pcd.bin.
    const zeros = new Uint8Array(320);
    expect(() => parseLidarBin(zeros, '/x/zeros.bin')).toThrow(
      "zeros.bin: ambiguous point layout: size 320 bytes fits both 20 points × 4 float32 (x,y,z,intensity) and 16 points × 5 (x,y,z,intensity,ring); give the layout ('xyzi' or 'xyzir')",
    );
    expect(parseLidarBin(zeros, 'zeros.pcd.bin').layout).toBe('xyzir');
    expect(parseLidarBin(zeros, 'zeros.bin', 'xyzi').count).toBe(20);
    expect(() => parseLidarBin(new Uint8Array(36), 'odd.bin')).toThrow(/odd.bin: size 36 bytes fits no point layout/);
    expect(() => parseLidarBin(new Uint8Array(48), 'k.bin', 'xyzir')).toThrow(/does not fit layout xyzir: expected a multiple of 20 bytes/);
  });

  it('reads .npy N×4 / N×5 sweeps and pc_seman labels from the sample', async () => {
    const pc = await readPointCloud(path.join(LIDAR_SAMPLE, 'pc/pc0.npy'));
    expect([pc.layout, pc.count]).toEqual(['xyzi', 34720]);
    const labels = await readPointLabels(path.join(LIDAR_SAMPLE, 'pc_seman/pc_seman_0.npy'), pc.count);
    expect(labels.length).toBe(34720);
    expect(Math.max(...labels)).toBeLessThanOrEqual(16);
    await expect(readPointLabels(path.join(LIDAR_SAMPLE, 'pc_seman/pc_seman_0.npy'), 100)).rejects.toThrow(
      'pc_seman_0.npy: has 34720 labels but the point cloud has 100 points',
    );
    writeFileSync(path.join(dir, 'five.npy'), encodeNpy(new Float32Array(50), [10, 5]));
    expect((await readPointCloud(path.join(dir, 'five.npy'))).layout).toBe('xyzir');
  });

  it('composes, inverts and applies rigid transforms; the sample lidar is mounted turned by about 90°', () => {
    const meta = JSON.parse(readFileSync(path.join(LIDAR_SAMPLE, 'meta.json'), 'utf8'));
    const f0 = meta.frames[0];
    const r = quaternionToMatrix(f0.lidar2ego_rotation_wxyz);
    expect(Math.abs(Math.abs(yawOf(r)) - Math.PI / 2)).toBeLessThan(0.05);
    const t = transformFromPose({ translation: f0.ego2global_translation, rotationWxyz: f0.ego2global_rotation_wxyz });
    const p = [3, -4, 1.5];
    const back = apply(compose(invert(t), t), p);
    for (let i = 0; i < 3; i++) expect(back[i]).toBeCloseTo(p[i]!, 10);
    // A 90° turn about z maps x to y.
    const q = quaternionToMatrix([Math.SQRT1_2, 0, 0, Math.SQRT1_2]);
    const v = apply({ r: q, t: [0, 0, 0] }, [1, 0, 0]);
    expect(v[0]).toBeCloseTo(0, 12);
    expect(v[1]).toBeCloseTo(1, 12);
  });

  it('rasterizes max height, density, mean intensity and classes; counts points out of range', () => {
    // Grid x, y in [-2, 2) at 1 m: 4×4. Row 0 is y in [1, 2), column 0 is x in [-2, -1).
    const pts = new Float32Array([
      -1.5, 1.5, 0.5, 10, //  row 0, col 0
      -1.2, 1.1, 1.5, 30, //  same cell
      0.5, -1.5, -0.5, 7, //  row 3, col 2
      5, 0, 0, 1, //         x out of range
      0, 0, 9, 1, //         z out of range
    ]);
    const cloud = { points: pts, count: 5, layout: 'xyzi' as const, stride: 4, source: 't', layoutReason: 'given', labels: new Uint8Array([4, 7, 11, 0, 0]) };
    const f = rasterizeLidar(cloud, { grid: { xRangeM: [-2, 2], yRangeM: [-2, 2], cellSizeM: 1 }, zRangeM: [-2, 6] });
    expect(f.channelNames.slice(0, 4)).toEqual(['max_height', 'density', 'mean_intensity', 'class/others']);
    expect([f.channels, f.height, f.width]).toEqual([20, 4, 4]);
    const hw = 16;
    expect(f.data[0]).toBeCloseTo(1.5 + 2, 6); // above the bottom of the z range
    expect(f.data[hw]).toBeCloseTo(Math.log(3) / Math.log(64), 6);
    expect(f.data[2 * hw]).toBeCloseTo(20, 6);
    expect(f.data[2 * hw + 3 * 4 + 2]).toBeCloseTo(7, 6);
    expect(f.data[(3 + 4) * hw]).toBe(1); // car in cell 0
    expect(f.data[(3 + 7) * hw]).toBe(1); // pedestrian in cell 0
    expect(f.data[(3 + 11) * hw + 14]).toBe(1);
    expect(f.data[(3 + 11) * hw]).toBe(0);
    expect(f.meta).toMatchObject({ points: 5, pointsInGrid: 3, pointsOutOfRange: 1, pointsOutOfHeight: 1 });
  });

  it.skipIf(!HAS_NUMPY)('rasterizes the real sweep in the ego frame as numpy does (needs /usr/bin/python3 with numpy)', async () => {
    const meta = JSON.parse(readFileSync(path.join(LIDAR_SAMPLE, 'meta.json'), 'utf8'));
    const f0 = meta.frames[0];
    const cloud = await readPointCloud(path.join(LIDAR_SAMPLE, 'pc/pc0.npy'));
    const frame = rasterizeLidar(cloud, {
      transform: transformFromPose({ translation: f0.lidar2ego_translation, rotationWxyz: f0.lidar2ego_rotation_wxyz }),
    });
    const want = pythonJson<{ inGrid: number; density: number[]; maxH: number[] }>(
      String.raw`
import sys, json, numpy as np
m = json.load(open(sys.argv[2]))['frames'][0]
w, x, y, z = np.array(m['lidar2ego_rotation_wxyz']) / np.linalg.norm(m['lidar2ego_rotation_wxyz'])
R = np.array([[1-2*(y*y+z*z), 2*(x*y-w*z), 2*(x*z+w*y)], [2*(x*y+w*z), 1-2*(x*x+z*z), 2*(y*z-w*x)], [2*(x*z-w*y), 2*(y*z+w*x), 1-2*(x*x+y*y)]])
p = np.load(sys.argv[1]).astype(np.float64)[:, :3] @ R.T + np.array(m['lidar2ego_translation'])
col = np.floor((p[:, 0] + 40) / 0.4).astype(int); row = np.floor((40 - p[:, 1]) / 0.4).astype(int)
ok = (col >= 0) & (col < 200) & (row >= 0) & (row < 200) & (p[:, 2] >= -2) & (p[:, 2] < 6)
cell = row[ok] * 200 + col[ok]
n = np.bincount(cell, minlength=40000)
mh = np.full(40000, -np.inf); np.maximum.at(mh, cell, p[ok, 2])
mh = np.where(n > 0, mh + 2, 0)
print(json.dumps({'inGrid': int(ok.sum()), 'density': np.minimum(1, np.log1p(n) / np.log(64)).tolist(), 'maxH': mh.tolist()}))
`,
      path.join(LIDAR_SAMPLE, 'pc/pc0.npy'),
      path.join(LIDAR_SAMPLE, 'meta.json'),
    );
    expect(frame.meta.pointsInGrid).toBe(want.inGrid);
    let worstD = 0;
    let worstH = 0;
    for (let i = 0; i < 40000; i++) {
      worstD = Math.max(worstD, Math.abs(frame.data[40000 + i]! - want.density[i]!));
      worstH = Math.max(worstH, Math.abs(frame.data[i]! - want.maxH[i]!));
    }
    expect(worstD).toBeLessThan(1e-6);
    expect(worstH).toBeLessThan(1e-5);
  });
});
