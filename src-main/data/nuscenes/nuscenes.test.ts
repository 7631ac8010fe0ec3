import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BevFrame } from '../frame';
import { readPointCloud, readPointLabels } from '../lidar';
import { rasterizeLidar } from '../lidar-bev';
import { EMPTY_CELL } from '../lidar-semantic';
import { openPath } from '../open-path';
import { transformFromPose } from '../pose';
import { HAS_NUMPY, LIDAR_SAMPLE, pythonJson } from '../test-paths';
import { forEachJsonRecord } from './json-records';
import { LIDARSEG_CLASSES, toChallengeLabels } from './lidarseg-classes';
import { readNuScenesIndex } from './read-index';
import { openNuScenesScene } from './scene-sequence';
import { nuScenesSplit, VAL_SCENE_COUNT } from './splits';
import { buildNuScenesTree, type TestTree } from './test-tree';

// Big typed arrays are compared by a loop: vitest's deep equality takes seconds on 840k floats.

describe('nuScenes root (tree built from the real lidarseg sample)', () => {
  let tree: TestTree;
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nuscenes-test-'));
    tree = await buildNuScenesTree(path.join(dir, 'nuscenes'), LIDAR_SAMPLE);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists its scenes by name with the devkit split, keyframes in time order whatever the tables order', async () => {
    const index = await readNuScenesIndex(tree.root);
    expect(index.kind).toBe('nuscenes');
    expect(index.scenes.map((s) => [s.name, s.split, s.frames.length, s.sweeps?.length])).toEqual([
      ['scene-0061', 'mini_train', 5, 6],
      ['scene-0916', 'mini_val', 5, 6],
    ]);
    for (const s of index.scenes) {
      const frames = tree.scenes[s.name]!;
      expect(s.ordered).toBe(true);
      expect(s.frames.map((f) => f.timestampUs)).toEqual(frames.map((n) => tree.meta[n]!.timestamp_us));
      expect(s.frames.map((f) => f.token)).toEqual(frames.map((n) => tree.sampleTokens.get(n)));
      expect(s.frames.map((f) => f.index)).toEqual([0, 1, 2, 3, 4]);
      expect(s.frames.every((f) => f.path.startsWith(tree.root) && f.path.includes(`${path.sep}samples${path.sep}LIDAR_TOP${path.sep}`))).toBe(true);
      expect(s.frames.every((f) => f.labelsPath?.endsWith('_lidarseg.bin'))).toBe(true);
      expect(s.frames[2]!.egoPose!.translation).toEqual(tree.meta[frames[2]!]!.ego2global_translation);
      // The sweep sits between keyframes 0 and 1, has no labels and is no keyframe.
      const sw = s.sweeps!;
      expect(sw.map((f) => f.keyFrame)).toEqual([true, false, true, true, true, true]);
      expect(sw[1]!.labelsPath).toBeUndefined();
      expect(sw.every((f, i) => i === 0 || f.timestampUs! > sw[i - 1]!.timestampUs!)).toBe(true);
    }
    expect(index.warnings).toEqual([]);
    expect(index.pointClasses!.classes).toEqual(LIDARSEG_CLASSES);
  });

  it('moves each sweep into the ego frame with its calibrated_sensor transform (= meta.json lidar2ego)', async () => {
    const seq = await openPath(tree.root, { scene: 'scene-0916' });
    expect([seq.name, seq.length, seq.kind]).toEqual(['scene-0916', 5, 'lidar']);
    expect(seq.attribution).toMatch(/nuScenes-lidarseg/);
    const frame = await seq.getFrame(1);
    const n = tree.scenes['scene-0916']![1]!;
    // The same points read from the sample and moved by meta.json's transform give the same picture.
    const cloud = await readPointCloud(path.join(LIDAR_SAMPLE, 'pc', `pc${n}.npy`));
    cloud.labels = await readPointLabels(path.join(LIDAR_SAMPLE, 'pc_seman', `pc_seman_${n}.npy`), cloud.count);
    const m = tree.meta[n]!;
    const ref = rasterizeLidar(cloud, {
      transform: transformFromPose({ translation: m.lidar2ego_translation as [number, number, number], rotationWxyz: m.lidar2ego_rotation_wxyz as [number, number, number, number] }),
    });
    expect(frame.channelNames).toEqual(ref.channelNames);
    expect(frame.data.length).toBe(ref.data.length);
    expect(frame.data.findIndex((v, i) => v !== ref.data[i])).toBe(-1);
    expect(frame.semantic!.labels.length).toBe(frame.height * frame.width);
    expect(frame.meta.transform).toBe('lidar → ego (calibrated_sensor.json)');
    expect(frame.meta.sampleToken).toBe(tree.sampleTokens.get(n));
    expect(frame.timestampUs).toBe(m.timestamp_us);
    // In the ego frame the ground is near z = 0: most points of driveable surface sit in [-0.5, 0.5] m.
    const z0 = frame.meta.zRangeM as [number, number];
    const hw = frame.height * frame.width;
    const road = frame.channelNames.indexOf('class/driveable_surface');
    const heights: number[] = [];
    for (let i = 0; i < hw; i++) if (frame.data[road * hw + i] === 1 && frame.semantic!.labels[i] === 24) heights.push(frame.data[i]! + z0[0]);
    heights.sort((a, b) => a - b);
    expect(Math.abs(heights[heights.length >> 1]!)).toBeLessThan(0.5);
  });

  it('attaches the lidarseg labels: 32-class semantic view, challenge classes in the channels', async () => {
    const index = await readNuScenesIndex(tree.root);
    const seq = openNuScenesScene(index, 'scene-0061');
    const frame = await seq.getFrame(0);
    expect(frame.semantic!.name).toBe('nuScenes-lidarseg (32 classes)');
    expect(frame.semantic!.classes.map((c) => c.name)).toEqual(LIDARSEG_CLASSES.map((c) => c.name));
    expect(frame.semantic!.classes[17]).toEqual({ id: 17, name: 'vehicle.car', rgb: [255, 158, 0] });
    const raw = readFileSync(index.scenes[0]!.frames[0]!.labelsPath!);
    expect(new Set(raw).has(29)).toBe(true);
    // Channels carry merged classes: a raw static.other (29) point is class 0 'others'.
    expect(toChallengeLabels(Uint8Array.of(29, 17, 24, 2))).toEqual(Uint8Array.of(0, 4, 11, 7));
    const present = new Set(frame.semantic!.labels);
    expect(present.has(EMPTY_CELL)).toBe(true);
    expect(present.has(17) || present.has(24)).toBe(true);
    expect(frame.meta.labelsSource).toMatch(/^lidarseg[\\/]v1\.0-mini[\\/][0-9a-f]{32}_lidarseg\.bin$/);
  });

  it.skipIf(!HAS_NUMPY)('semantic BEV equals numpy reading the tables, .pcd.bin and _lidarseg.bin itself (needs /usr/bin/python3 with numpy)', async () => {
    const index = await readNuScenesIndex(tree.root);
    const ref = index.scenes[1]!.frames[3]!;
    const frame = await openNuScenesScene(index, index.scenes[1]!.name).getFrame(3);
    const want = pythonJson<{ labels: number[]; inGrid: number }>(
      String.raw`
import sys, json, os, numpy as np
root, sd_file = sys.argv[1], sys.argv[2]
tables = os.path.join(root, 'v1.0-mini')
sd = [r for r in json.load(open(os.path.join(tables, 'sample_data.json'))) if r['filename'] == sd_file][0]
cs = [r for r in json.load(open(os.path.join(tables, 'calibrated_sensor.json'))) if r['token'] == sd['calibrated_sensor_token']][0]
seg = [r for r in json.load(open(os.path.join(tables, 'lidarseg.json'))) if r['sample_data_token'] == sd['token']][0]
w, x, y, z = np.array(cs['rotation']) / np.linalg.norm(cs['rotation'])
R = np.array([[1-2*(y*y+z*z), 2*(x*y-w*z), 2*(x*z+w*y)], [2*(x*y+w*z), 1-2*(x*x+z*z), 2*(y*z-w*x)], [2*(x*z-w*y), 2*(y*z+w*x), 1-2*(x*x+y*y)]])
pts = np.fromfile(os.path.join(root, sd['filename']), dtype=np.float32).reshape(-1, 5)
lab = np.fromfile(os.path.join(root, seg['filename']), dtype=np.uint8)
p = pts[:, :3].astype(np.float64) @ R.T + np.array(cs['translation'])
col = np.floor((p[:, 0] + 40) / 0.4).astype(int); row = np.floor((40 - p[:, 1]) / 0.4).astype(int)
ok = (col >= 0) & (col < 200) & (row >= 0) & (row < 200) & (p[:, 2] >= -2) & (p[:, 2] < 6)
counts = np.zeros((40000, 32), dtype=np.int64)
np.add.at(counts, (row[ok] * 200 + col[ok], lab[ok]), 1)
out = np.where(counts.sum(1) > 0, counts.argmax(1), 255)
print(json.dumps({'labels': out.tolist(), 'inGrid': int(ok.sum())}))
`,
      tree.root,
      path.relative(tree.root, ref.path).split(path.sep).join('/'),
    );
    expect(frame.meta.pointsInGrid).toBe(want.inGrid);
    const got = frame.semantic!.labels;
    expect(got.length).toBe(want.labels.length);
    expect(got.findIndex((v, i) => v !== want.labels[i])).toBe(-1);
    expect(new Set(want.labels).size).toBeGreaterThan(5);
  });

  it('plays every sweep in time order with `sweeps`, labels only on keyframes', async () => {
    const seq = await openPath(tree.root, { scene: 'scene-0061', sweeps: true });
    expect(seq.length).toBe(6);
    expect(seq.channelNames).toEqual(['max_height', 'density', 'mean_intensity']);
    const ts = seq.timestampsUs!;
    expect(ts.every((t, i) => i === 0 || t > ts[i - 1]!)).toBe(true);
    const sweep = await seq.getFrame(1);
    expect(sweep.semantic).toBeUndefined();
    expect(sweep.meta.keyFrame).toBe(false);
    expect((await seq.getFrame(2)).semantic).toBeDefined();
  });

  it("aligns a scene to one frame's ego pose (ego_pose.json), so the static world overlaps", async () => {
    // Cells whose most frequent class is static (raw 28 static.manmade, 30 static.vegetation).
    const staticCells = (f: BevFrame) => new Set([...f.semantic!.labels.keys()].filter((i) => [28, 30].includes(f.semantic!.labels[i]!)));
    const iou = (a: Set<number>, b: Set<number>) => {
      let inter = 0;
      for (const x of a) if (b.has(x)) inter++;
      return inter / (a.size + b.size - inter);
    };
    const plain = await openPath(tree.root, { scene: 'scene-0916' });
    const aligned = await openPath(tree.root, { scene: 'scene-0916', alignTo: 0 });
    expect(aligned.name).toBe('scene-0916 (aligned to frame 0)');
    const [p0, p2, a2] = [await plain.getFrame(0), await plain.getFrame(2), await aligned.getFrame(2)];
    expect(a2.meta.transform).toBe('lidar → ego → ego of frame 0 (ego_pose.json)');
    // The car moves ~10 m in 1 s: aligned, the buildings and trees of frames 0 and 2 overlap far more.
    expect(iou(staticCells(a2), staticCells(p0))).toBeGreaterThan(1.6 * iou(staticCells(p2), staticCells(p0)));
  });

  it('opens the first scene by name by default and names the scenes when asked for a missing one', async () => {
    expect((await openPath(tree.root)).name).toBe('scene-0061');
    await expect(openPath(tree.root, { scene: 'scene-9999' })).rejects.toThrow(/has no scene "scene-9999"; its scenes: scene-0061, scene-0916/);
  });

  it('refuses table filenames that leave the root, and says which table is broken', async () => {
    const bad = path.join(dir, 'bad');
    const t = await buildNuScenesTree(bad, LIDAR_SAMPLE);
    const sdFile = path.join(t.root, 'v1.0-mini', 'sample_data.json');
    const rows = JSON.parse(readFileSync(sdFile, 'utf8')) as { filename: string }[];
    const lidar = rows.find((r) => r.filename.startsWith('samples/LIDAR_TOP/'))!;
    const good = lidar.filename;
    lidar.filename = 'samples/LIDAR_TOP/../../../secret.pcd.bin';
    writeFileSync(sdFile, JSON.stringify(rows));
    await expect(readNuScenesIndex(t.root)).rejects.toThrow(/sample_data\.json: record \d+: filename .* leads outside the dataset root/);
    lidar.filename = good;
    writeFileSync(sdFile, JSON.stringify(rows).slice(0, -40));
    await expect(readNuScenesIndex(t.root)).rejects.toThrow(/sample_data\.json: .*ends inside record/);
  }, 60_000);

  it('names the broken file: a dangling ego pose, a label file of the wrong length; warns about several versions', async () => {
    const t = await buildNuScenesTree(path.join(dir, 'broken'), LIDAR_SAMPLE);
    const epFile = path.join(t.root, 'v1.0-mini', 'ego_pose.json');
    const poses = readFileSync(epFile, 'utf8');
    writeFileSync(epFile, '[]');
    await expect(readNuScenesIndex(t.root)).rejects.toThrow(/ego_pose\.json: has no ego pose [0-9a-f]{32} \(named by sample_data [0-9a-f]{32}\)/);
    writeFileSync(epFile, poses);
    const index = await readNuScenesIndex(t.root);
    writeFileSync(index.scenes[0]!.frames[2]!.labelsPath!, new Uint8Array(10));
    const seq = openNuScenesScene(index, index.scenes[0]!.name);
    await expect(seq.getFrame(2)).rejects.toThrow(/_lidarseg\.bin: has 10 labels but the point cloud has \d+ points/);
    // A class the devkit does not know: named as category.json says, grey, merged to 'others'.
    const catFile = path.join(t.root, 'v1.0-mini', 'category.json');
    const cats = JSON.parse(readFileSync(catFile, 'utf8')) as { name: string; index: number }[];
    cats.find((c) => c.index === 17)!.name = 'vehicle.hovercraft';
    writeFileSync(catFile, JSON.stringify(cats));
    const renamed = await readNuScenesIndex(t.root);
    expect(renamed.warnings).toEqual([
      "v1.0-mini/category.json has lidarseg classes the devkit does not know (vehicle.hovercraft): drawn grey, merged to 'others' in the class channels",
    ]);
    expect(renamed.pointClasses!.classes[17]).toEqual({ id: 17, name: 'vehicle.hovercraft', rgb: [128, 128, 128] });
    expect(renamed.pointClasses!.merge[17]).toBe(0);
    cats.find((c) => c.index === 17)!.name = 'vehicle.car';
    writeFileSync(catFile, JSON.stringify(cats));
    mkdirSync(path.join(t.root, 'v1.0-test'));
    writeFileSync(path.join(t.root, 'v1.0-test', 'scene.json'), '[]');
    expect((await readNuScenesIndex(t.root)).warnings).toEqual(['broken holds v1.0-mini, v1.0-test: showing v1.0-mini']);
    await expect(readNuScenesIndex(t.root, { version: 'v1.0-trainval' })).rejects.toThrow(/broken: has no table folder v1.0-trainval \(found v1.0-mini, v1.0-test\)/);
  }, 60_000);
});

describe('nuScenes tables and splits', () => {
  it('streams a table record by record across read chunks', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nuscenes-json-'));
    try {
      const rows = Array.from({ length: 12_000 }, (_, i) => ({ token: `t${i}`, name: `a "quoted" {brace} ]${i}`, v: [i, [i + 1]], u: 'é' }));
      const file = path.join(dir, 'big.json');
      writeFileSync(file, JSON.stringify(rows, null, 2)); // > 1 MiB: records span the stream's chunks
      const seen: unknown[] = [];
      expect(await forEachJsonRecord(file, (r) => seen.push(r))).toBe(12_000);
      expect(seen).toEqual(rows);
      writeFileSync(file, '{"not": "a list"}');
      await expect(forEachJsonRecord(file, () => {})).rejects.toThrow(/big\.json: does not start with \[/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('derives the devkit splits from the version and the scene name', () => {
    expect(VAL_SCENE_COUNT).toBe(150);
    expect(nuScenesSplit('v1.0-trainval', 'scene-0003')).toBe('val');
    expect(nuScenesSplit('v1.0-trainval', 'scene-0001')).toBe('train');
    expect(nuScenesSplit('v1.0-trainval', 'scene-1073')).toBe('val');
    expect(nuScenesSplit('v1.0-test', 'scene-0077')).toBe('test');
    expect(nuScenesSplit('v1.0-mini', 'scene-0103')).toBe('mini_val');
    expect(nuScenesSplit('v2.0-custom', 'scene-0103')).toBeUndefined();
  });
});
