import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorkspace } from './workspace';
import type { Workspace } from './workspace';

/** The real samples in ../shared/data through File › Open (the workspace's openPath). */
const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
const OCC3D = path.join(DATA, 'occ3d-nuscenes-sample', 'labels.npz');
const LIDAR = path.join(DATA, 'nuscenes-lidarseg-seq11');
const have = existsSync(OCC3D) && existsSync(LIDAR);

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace({ openDefault: false });
});
afterAll(async () => {
  await ws?.dispose();
});

describe.skipIf(!have)('Workspace on the real samples (../shared/data)', () => {
  it('opens the Occ3D sample as one class frame with its attribution', async () => {
    const info = await ws.openPath(OCC3D);
    expect(info.kind).toBe('occ3d');
    expect(info.length).toBe(1);
    expect([info.height, info.width]).toEqual([200, 200]);
    expect(info.encoding.kind).toBe('classes');
    expect(info.attribution).toMatch(/nuScenes/);
    const f = await ws.getFrame(0);
    expect(f.data.length).toBe(info.channels * 200 * 200);
    expect(new Set(f.labels).size).toBeGreaterThan(5);
    expect((await ws.getStatus()).source?.path).toBe(OCC3D);
  });

  it('opens the 11-frame lidar folder as a continuous sequence with timestamps', async () => {
    const info = await ws.openPath(LIDAR);
    expect(info.kind).toBe('lidar');
    expect(info.length).toBe(11);
    expect(info.timestampsUs?.length).toBe(11);
    const f = await ws.getFrame(10);
    let nonzero = 0;
    for (const v of f.data) if (v !== 0) nonzero++;
    expect(nonzero).toBeGreaterThan(1000);
  });

  it('says clearly when a path does not exist', async () => {
    await expect(ws.openPath(path.join(DATA, 'nope.npz'))).rejects.toThrow('nope.npz: no such file or folder');
  });
});
