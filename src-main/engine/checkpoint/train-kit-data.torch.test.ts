import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readOcc3d } from '../../data/occ3d';
import { occupancyToBev } from '../../data/occupancy-bev';
import { readNpy } from '../../data/npy';
import { OCC3D_SAMPLE } from '../../data/test-paths';
import { probePython, runPython } from './python-check';
import { pythonModuleDir } from './test-fixtures';

/**
 * The kit's data reader (resources/pytorch/kit_data.py, numpy only) reads an Occ3D-nuScenes root
 * as TokenScope does: scenes through annotations.json, frames in time order (not name order),
 * each folded into the same height-folded one-hot TokenScope trains on; and it refuses a
 * `gt_path` that leaves the dataset root.
 */
const py = probePython(['numpy']);
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-kit-data-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe.skipIf(!py.ok)(`training kit data: Occ3D-nuScenes root${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  it('orders frames by timestamp and folds them exactly as TokenScope does', async () => {
    const root = path.join(dir, 'occ3d');
    // Two frames whose names sort opposite to their times.
    const frames = [
      { token: 'ffff', ts: 1000 },
      { token: 'aaaa', ts: 2000 },
    ];
    const infos: Record<string, unknown> = {};
    for (const f of frames) {
      const d = path.join(root, 'gts', 'scene-0001', f.token);
      await fs.mkdir(d, { recursive: true });
      await fs.copyFile(OCC3D_SAMPLE, path.join(d, 'labels.npz'));
      infos[f.token] = { timestamp: f.ts, gt_path: `gts/scene-0001/${f.token}/labels.npz` };
    }
    await fs.writeFile(path.join(root, 'annotations.json'), JSON.stringify({ train_split: ['scene-0001'], val_split: [], scene_infos: { 'scene-0001': infos } }));
    const out = path.join(dir, 'first.npy');
    const listed = runPython(
      String.raw`
import sys, json, numpy as np
sys.path.insert(0, sys.argv[1])
from kit_data import open_frames, occ3d_frames
paths = occ3d_frames(sys.argv[2], 'train')
fr = open_frames(sys.argv[2], {"kind": "classes", "numClasses": 18}, 288, 'train')
np.save(sys.argv[3], fr[0])
print(json.dumps([p.split('/')[-2] for p in paths]))
`,
      [pythonModuleDir, root, out],
    );
    expect(JSON.parse(listed.trim())).toEqual(['ffff', 'aaaa']);
    const kit = await readNpy(out);
    const ours = occupancyToBev(await readOcc3d(OCC3D_SAMPLE));
    expect(kit.shape).toEqual([ours.channels, ours.height, ours.width]);
    const a = kit.data as Float32Array;
    let diff = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== ours.data[i]) diff++;
    expect(diff).toBe(0);
    // The comparison is not of two empty arrays.
    expect(a.reduce((s, v) => s + v, 0)).toBe(ours.height * ours.width * 16);

    await fs.writeFile(
      path.join(root, 'annotations.json'),
      JSON.stringify({ train_split: ['scene-0001'], val_split: [], scene_infos: { 'scene-0001': { x: { timestamp: 1, gt_path: '../../etc/passwd' } } } }),
    );
    expect(() => runPython(`import sys; sys.path.insert(0, sys.argv[1]); from kit_data import occ3d_frames; occ3d_frames(sys.argv[2])`, [pythonModuleDir, root])).toThrow(
      /outside the dataset root/,
    );
  });
});
