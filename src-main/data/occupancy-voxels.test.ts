import { describe, expect, it } from 'vitest';
import { occupancyToBev } from './occupancy-bev';
import { classMapsToVoxels } from './occupancy-voxels';
import { readOcc3d } from './occ3d';
import { OCC3D_SAMPLE } from './test-paths';
import { NUM_CLASSES } from './palette';

describe('class maps back to voxels', () => {
  it('recovers the real Occ3D semantics [X, Y, Z] from its height-folded BEV frame', async () => {
    const occ = await readOcc3d(OCC3D_SAMPLE);
    const bev = occupancyToBev(occ);
    const [X, Y, Z] = occ.shape;
    const hw = bev.height * bev.width;
    // The class map per height: the one-hot channel that is set.
    const maps = new Uint8Array(Z * hw);
    for (let z = 0; z < Z; z++) {
      for (let c = 0; c < NUM_CLASSES; c++) {
        const base = (z * NUM_CLASSES + c) * hw;
        for (let p = 0; p < hw; p++) if (bev.data[base + p] === 1) maps[z * hw + p] = c;
      }
    }
    const voxels = classMapsToVoxels(maps, 1, Z, Y, X);
    expect(Array.from(voxels)).toEqual(Array.from(occ.semantics));
    expect(() => classMapsToVoxels(maps, 2, Z, Y, X)).toThrow('classMapsToVoxels: 640000 values for [2, 16, 200, 200]');
  });
});
