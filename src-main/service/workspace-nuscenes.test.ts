import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNuScenesTree, type TestTree } from '../data/nuscenes/test-tree';
import { LIDAR_SAMPLE } from '../data/test-paths';
import { createWorkspace, type Workspace } from './workspace';

/** A nuScenes root and loose sweeps through the service's openPath, with the lidar options. */
let ws: Workspace;
let dir = '';
let tree: TestTree;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ws-nuscenes-'));
  tree = await buildNuScenesTree(path.join(dir, 'nuscenes'), LIDAR_SAMPLE);
  ws = await createWorkspace({ openDefault: false, encodeIn: 'process', trainIn: 'process' });
}, 60_000);
afterAll(async () => {
  await ws?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('Workspace: nuScenes roots and lidar options', () => {
  it('opens a root as its first scene, with the semantic map and empty cells in each frame', async () => {
    const info = await ws.openPath(tree.root);
    expect([info.kind, info.name, info.length]).toEqual(['lidar', 'scene-0061', 5]);
    expect(info.attribution).toMatch(/nuScenes-lidarseg.*CC BY-NC-SA 4\.0/);
    const f = await ws.getFrame(0, { channels: [1] });
    expect(f.data.length).toBe(200 * 200);
    expect(f.semantic!.labels.length).toBe(200 * 200);
    expect(f.semantic!.classes.length).toBe(32);
    // Empty cells are exactly those of zero density.
    let mismatches = 0;
    for (let i = 0; i < f.data.length; i++) if ((f.data[i] === 0) !== (f.emptyCells![i] === 1)) mismatches++;
    expect(mismatches).toBe(0);
    const swept = await ws.openPath(tree.root, { sweeps: true });
    expect(swept.length).toBe(6);
  });

  it('passes the height band and range, and refuses bad ones clearly', async () => {
    const info = await ws.openPath(tree.root, { lidar: { zRangeM: [-1, 4], rangeM: 20, cellSizeM: 0.5 } });
    expect([info.height, info.width]).toEqual([80, 80]);
    expect((await ws.getFrame(0, { channels: [0] })).meta.zRangeM).toEqual([-1, 4]);
    await expect(ws.openPath(tree.root, { lidar: { zRangeM: [3, 1] } })).rejects.toThrow('openPath: lidar.zRangeM [3, 1] is empty: max must be above min');
    await expect(ws.openPath(tree.root, { lidar: { rangeM: 40, cellSizeM: 0.3 } })).rejects.toThrow(/not a whole number of 0.3 m cells/);
    await expect(ws.openPath(tree.root, { lidar: { preset: 'velodyne' as 'kitti' } })).rejects.toThrow(/lidar\.preset: invalid option: expected one of "nuscenes"\|"kitti"\|"sensor"/);
    await expect(ws.openPath(tree.root, { lidar: { rangeM: 400, cellSizeM: 0.1 } })).rejects.toThrow(/8000 cells a side/);
  });

  it('gives loose sweeps the mounting asked for', async () => {
    const sweep = path.join(tree.root, 'sweeps', 'LIDAR_TOP');
    expect((await ws.openPath(sweep)).warnings).toEqual([
      `LIDAR_TOP is part of the nuScenes root ${tree.root}: open the root for the calibration, the time order and the labels of each scene (read here with a preset mounting, in file-name order)`,
    ]);
    expect((await ws.getFrame(0, { channels: [0] })).meta.mounting).toMatchObject({ yawDeg: -90, heightM: 1.84 });
    await ws.openPath(sweep, { lidar: { preset: 'sensor', heightM: 2 } });
    expect((await ws.getFrame(0, { channels: [0] })).meta.mounting).toMatchObject({ yawDeg: 0, heightM: 2 });
  });
});
