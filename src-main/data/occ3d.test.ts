import { describe, expect, it } from 'vitest';
import { labelsOf, topDownLabelsOf } from './frame-utils';
import { countOccupied, OCC3D_NUSCENES_GRID, readOcc3d, type Occupancy } from './occ3d';
import { occupancyToBev } from './occupancy-bev';
import { HAS_NUMPY, OCC3D_SAMPLE, pythonJson } from './test-paths';

describe('Occ3D reader', () => {
  it('reads the sample: 200×200×16 semantics and masks, 39,092 voxels not free', async () => {
    const occ = await readOcc3d(OCC3D_SAMPLE);
    expect(occ.shape).toEqual([200, 200, 16]);
    expect(occ.semantics.length).toBe(640_000);
    expect(occ.maskLidar?.length).toBe(640_000);
    expect(occ.maskCamera?.length).toBe(640_000);
    expect(countOccupied(occ)).toBe(39092);
    expect(occ.grid).toEqual(OCC3D_NUSCENES_GRID);
    const noMasks = await readOcc3d(OCC3D_SAMPLE, { masks: [] });
    expect(noMasks.maskLidar).toBeUndefined();
  });

  it('folds height into 16 × 18 one-hot channels, exactly one class per voxel', async () => {
    const occ = await readOcc3d(OCC3D_SAMPLE);
    const f = occupancyToBev(occ);
    expect([f.channels, f.height, f.width]).toEqual([288, 200, 200]);
    expect(f.encoding).toMatchObject({ kind: 'classes', groups: 16, numClasses: 18 });
    expect(f.channelNames[18 * 3 + 4]).toBe('z3/car');
    const hw = 40_000;
    let ones = 0;
    let nonFree = 0;
    for (let g = 0; g < 16; g++) {
      for (let c = 0; c < 18; c++) {
        const off = (g * 18 + c) * hw;
        for (let i = 0; i < hw; i++) {
          if (f.data[off + i] === 1) {
            ones++;
            if (c !== 17) nonFree++;
          }
        }
      }
    }
    expect(ones).toBe(640_000);
    expect(nonFree).toBe(39092);
    // Voxel (x, y, z) lands at row 199 − y, column x of group z.
    const sem = occ.semantics;
    for (const [x, y, z] of [[100, 100, 2], [10, 150, 5], [199, 0, 15]] as const) {
      const c = sem[(x * 200 + y) * 16 + z]!;
      expect(f.data[(z * 18 + c) * hw + (199 - y) * 200 + x]).toBe(1);
    }
  });

  it('masks: unobserved voxels become free, or zero channels when asked', async () => {
    const occ = await readOcc3d(OCC3D_SAMPLE);
    let unobserved = 0;
    for (const m of occ.maskCamera!) if (m === 0) unobserved++;
    const free = occupancyToBev(occ, { mask: 'camera' });
    expect(free.meta.unobserved).toBe(unobserved);
    const zero = occupancyToBev(occ, { mask: 'camera', unobserved: 'zero' });
    let ones = 0;
    for (const v of zero.data) if (v === 1) ones++;
    expect(ones).toBe(640_000 - unobserved);
    const noMask = await readOcc3d(OCC3D_SAMPLE, { masks: [] });
    expect(() => occupancyToBev(noMask, { mask: 'lidar' })).toThrow(/without its lidar mask/);
  });

  it('top-down map: the class of the highest occupied voxel', () => {
    // A 4×3×4 grid: column (1, 2) has car at z=1 and vegetation at z=3; column (0, 0) is empty.
    const X = 4;
    const Y = 3;
    const Z = 4;
    const semantics = new Uint8Array(X * Y * Z).fill(17);
    const at = (x: number, y: number, z: number) => (x * Y + y) * Z + z;
    semantics[at(1, 2, 1)] = 4;
    semantics[at(1, 2, 3)] = 16;
    semantics[at(3, 0, 0)] = 11;
    const maskLidar = new Uint8Array(X * Y * Z).fill(1);
    maskLidar[at(1, 2, 3)] = 0;
    const occ: Occupancy = { semantics, maskLidar, shape: [X, Y, Z], grid: OCC3D_NUSCENES_GRID, source: 'toy' };
    const f = occupancyToBev(occ, { mode: 'top-down' });
    expect(f.channels).toBe(18);
    const labels = labelsOf(f);
    expect(labels[(Y - 1 - 2) * X + 1]).toBe(16);
    expect(labels[(Y - 1 - 0) * X + 3]).toBe(11);
    expect(labels[(Y - 1 - 0) * X + 0]).toBe(17);
    const masked = labelsOf(occupancyToBev(occ, { mode: 'top-down', mask: 'lidar' }));
    expect(masked[(Y - 1 - 2) * X + 1]).toBe(4);
  });

  it.skipIf(!HAS_NUMPY)('top-down map matches numpy on the real sample (needs /usr/bin/python3 with numpy)', async () => {
    const want = pythonJson<number[]>(
      String.raw`
import sys, json, numpy as np
sem = np.load(sys.argv[1])['semantics']
occ = sem != 17
z = np.where(occ.any(2), 15 - np.argmax(occ[:, :, ::-1], axis=2), 0)
top = np.where(occ.any(2), np.take_along_axis(sem, z[:, :, None], 2)[:, :, 0], 17)   # [x, y]
img = top[:, ::-1].T                                                                # row = 199 - y, col = x
print(json.dumps(img.astype(int).ravel().tolist()))
`,
      OCC3D_SAMPLE,
    );
    const f = occupancyToBev(await readOcc3d(OCC3D_SAMPLE, { masks: [] }), { mode: 'top-down' });
    expect(Array.from(labelsOf(f))).toEqual(want);
    // The picture of the height-folded frame is the same map.
    const folded = occupancyToBev(await readOcc3d(OCC3D_SAMPLE, { masks: [] }));
    expect(Array.from(topDownLabelsOf(folded))).toEqual(want);
  });
});
