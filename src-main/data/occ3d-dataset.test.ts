import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDataset } from './dataset-listing';
import { DataError } from './errors';
import { UNORDERED_WARNING } from './occ3d-dataset';
import { buildOcc3dTree, type TreeScene } from './occ3d-test-tree';
import { openPath } from './open-path';
import { OCC3D_SAMPLE } from './test-paths';

let tmp: string;
let root: string;
let tree: TreeScene[];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'occ3d-ds-'));
  root = path.join(tmp, 'Occ3D-nuScenes');
  // Written in an order that is not name order.
  tree = await buildOcc3dTree(root, OCC3D_SAMPLE, [
    { name: 'scene-0003', split: 'val', frames: 4 },
    { name: 'scene-0001', split: 'train', frames: 5 },
    { name: 'scene-0002', split: 'train', frames: 3 },
  ]);
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const sceneOf = (name: string) => tree.find((s) => s.name === name)!;

describe('Occ3D-nuScenes dataset index', () => {
  it('the tree is a real test: tokens in name order are not in time order', () => {
    for (const s of tree) {
      const byTime = s.frames.map((f) => f.token);
      expect([...byTime].sort()).not.toEqual(byTime);
    }
  });

  it('lists the root: scenes by name with their split, frames in time order with times and poses', async () => {
    const index = (await findDataset(root))!;
    expect(index.kind).toBe('occ3d');
    expect(index.root).toBe(root);
    expect(index.warnings).toEqual([]);
    expect(index.scenes.map((s) => [s.name, s.split, s.frames.length, s.ordered])).toEqual([
      ['scene-0001', 'train', 5, true],
      ['scene-0002', 'train', 3, true],
      ['scene-0003', 'val', 4, true],
    ]);
    for (const s of index.scenes) {
      const want = sceneOf(s.name).frames;
      expect(s.frames.map((f) => f.token)).toEqual(want.map((f) => f.token));
      expect(s.frames.map((f) => f.timestampUs)).toEqual(want.map((f) => f.timestampUs));
      expect(s.frames.map((f) => f.path)).toEqual(want.map((f) => f.file));
      expect(s.frames.map((f) => f.index)).toEqual(want.map((_, i) => i));
      expect(s.frames[1]!.egoPose).toEqual(want[1]!.egoPose);
    }
  });

  it('gts/ opens the same dataset, its root the folder holding annotations.json', async () => {
    const index = (await findDataset(path.join(root, 'gts')))!;
    expect(index.root).toBe(root);
    expect(index.scenes.map((s) => s.name)).toEqual(['scene-0001', 'scene-0002', 'scene-0003']);
    expect(index.scenes[0]!.ordered).toBe(true);
  });

  it('a scene folder alone finds annotations.json above it and keeps time order', async () => {
    const index = (await findDataset(path.join(root, 'gts', 'scene-0003')))!;
    expect(index.scenes).toHaveLength(1);
    const s = index.scenes[0]!;
    expect([s.name, s.split, s.ordered]).toEqual(['scene-0003', 'val', true]);
    expect(s.frames.map((f) => f.token)).toEqual(sceneOf('scene-0003').frames.map((f) => f.token));
  });

  it('without annotations.json: name order, marked unordered, with a warning saying so', async () => {
    const bare = path.join(tmp, 'bare');
    await fs.cp(path.join(root, 'gts'), path.join(bare, 'gts'), { recursive: true });
    for (const p of [bare, path.join(bare, 'gts'), path.join(bare, 'gts', 'scene-0001')]) {
      const index = (await findDataset(p))!;
      expect(index.warnings).toContain(UNORDERED_WARNING);
      const s = index.scenes.find((x) => x.name === 'scene-0001')!;
      expect(s.ordered).toBe(false);
      expect(s.split).toBeUndefined();
      const tokens = sceneOf('scene-0001').frames.map((f) => f.token);
      expect(s.frames.map((f) => f.token)).toEqual([...tokens].sort());
      expect(s.frames.every((f) => f.timestampUs === undefined)).toBe(true);
    }
  });

  it('opens a scene as a sequence: frames in time order (each the sample shifted by its time index)', async () => {
    const seq = await openPath(root, { scene: 'scene-0001' });
    const want = sceneOf('scene-0001').frames;
    expect(seq.length).toBe(5);
    expect(seq.kind).toBe('occ3d');
    expect(seq.timestampsUs).toEqual(want.map((f) => f.timestampUs));
    expect(seq.dataset).toMatchObject({ kind: 'occ3d', root, scene: 'scene-0001', split: 'train', ordered: true, tokens: want.map((f) => f.token) });
    const hw = 200 * 200;
    const f0 = await seq.getFrame(0);
    const f3 = await seq.getFrame(3);
    expect(f3.meta.source).toBe(want[3]!.file);
    expect(f3.egoPose).toEqual(want[3]!.egoPose);
    expect(f3.timestampUs).toBe(want[3]!.timestampUs);
    expect(f3.voxelMasks?.camera?.length).toBe(16 * hw);
    // Frame 3 is frame 0 rolled 3 voxels along x (columns): compare every channel plane.
    let same = 0;
    let total = 0;
    for (let c = 0; c < 288; c++) {
      for (let row = 0; row < 200; row += 7) {
        for (let x = 0; x < 200; x++) {
          total++;
          if (f3.data[c * hw + row * 200 + ((x + 3) % 200)] === f0.data[c * hw + row * 200 + x]) same++;
        }
      }
    }
    expect(same).toBe(total);
    // …and not equal to frame 0 itself.
    expect(f3.data.some((v, i) => v !== f0.data[i])).toBe(true);
  });

  it('feeds the annotations’ ego poses to frame alignment: aligned to frame 0, the static world stays put', async () => {
    const seq = await openPath(root, { scene: 'scene-0003', alignTo: 0 });
    expect(seq.dataset?.scene).toBe('scene-0003');
    const raw = await openPath(root, { scene: 'scene-0003' });
    const f0 = await raw.getFrame(0);
    const f3 = await raw.getFrame(3);
    const a3 = await seq.getFrame(3);
    const hw = 200 * 200;
    let moved = 0;
    let same = 0;
    let total = 0;
    for (let c = 0; c < 288; c += 5) {
      for (let row = 0; row < 200; row += 3) {
        for (let x = 0; x < 197; x++) {
          const i = c * hw + row * 200 + x;
          total++;
          if (a3.data[i] === f0.data[i]) same++;
          if (f3.data[i] !== f0.data[i]) moved++;
        }
      }
    }
    // Unaligned, the ego motion shows as change; aligned, every cell the frame saw matches frame 0.
    expect(moved).toBeGreaterThan(100);
    expect(same).toBe(total);
  });

  it('opens a whole split as one sequence, scene after scene, each in time order', async () => {
    const seq = await openPath(root, { split: 'train' });
    const want = [...sceneOf('scene-0001').frames, ...sceneOf('scene-0002').frames];
    expect(seq.length).toBe(8);
    expect(seq.timestampsUs).toEqual(want.map((f) => f.timestampUs));
    expect(seq.dataset).toMatchObject({ split: 'train', scenes: ['scene-0001', 'scene-0002'], sceneStarts: [0, 5] });
    expect(seq.dataset?.tokens).toBeUndefined();
    expect((await seq.getFrame(6)).meta.source).toBe(want[6]!.file);
    await expect(openPath(root, { split: 'test' })).rejects.toThrow(/no scene in split "test" \(splits: train, val\)/);
    await expect(openPath(root, { split: 'train', alignTo: 0 })).rejects.toThrow(/without a scene or alignTo/);
  });

  it('opens the first scene by default, and names the scenes it has when asked for a missing one', async () => {
    expect((await openPath(path.join(root, 'gts'))).name).toBe('scene-0001');
    await expect(openPath(root, { scene: 'scene-9999' })).rejects.toThrow(/no scene named "scene-9999" \(it has 3: scene-0001/);
    await expect(openPath(OCC3D_SAMPLE, { scene: 'scene-0001' })).rejects.toThrow(DataError);
  });

  it('refuses a gt_path that leaves the root, naming annotations.json', async () => {
    const evil = path.join(tmp, 'evil');
    await fs.cp(root, evil, { recursive: true });
    const file = path.join(evil, 'annotations.json');
    const ann = JSON.parse(await fs.readFile(file, 'utf8'));
    const first = Object.values(ann.scene_infos['scene-0002'])[0] as { gt_path: string };
    first.gt_path = '../../etc/passwd.npz';
    await fs.writeFile(file, JSON.stringify(ann));
    await expect(findDataset(evil)).rejects.toThrow(/annotations\.json: .*points outside the dataset root/);
    first.gt_path = '/etc/labels.npz';
    await fs.writeFile(file, JSON.stringify(ann));
    await expect(findDataset(evil)).rejects.toThrow(/outside the dataset root/);
  });

  it('bad annotations.json: a clear error naming the file', async () => {
    const bad = path.join(tmp, 'bad');
    await fs.mkdir(path.join(bad, 'gts'), { recursive: true });
    await fs.writeFile(path.join(bad, 'annotations.json'), '{"scene_infos": [1, 2]}');
    await expect(findDataset(bad)).rejects.toThrow(/annotations\.json: has no 'scene_infos' object/);
    await fs.writeFile(path.join(bad, 'annotations.json'), '{"scene_infos": {"s": {"t": {"timestamp": "soon"}}}}');
    await expect(findDataset(bad)).rejects.toThrow(/timestamp is "soon"/);
    await fs.writeFile(path.join(bad, 'annotations.json'), '{not json');
    await expect(findDataset(bad)).rejects.toThrow(/annotations\.json: is not valid JSON/);
  });
});
