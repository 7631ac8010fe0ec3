import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOcc3dTree, type TreeScene } from '../data/occ3d-test-tree';
import { OCC3D_SAMPLE } from '../data/test-paths';
import type { JobProgress } from '../contract/index';
import { SMALL_CONFIG } from './test-config';
import { createWorkspace, type Workspace } from './workspace';

/** The scene picker's service side: listScenes, openScene, openPath's scene and alignTo. */
let tmp: string;
let root: string;
let tree: TreeScene[];
let ws: Workspace;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ws-dataset-'));
  root = path.join(tmp, 'occ3d');
  tree = await buildOcc3dTree(root, OCC3D_SAMPLE, [
    { name: 'scene-0200', split: 'val', frames: 2 },
    { name: 'scene-0100', split: 'train', frames: 3 },
  ]);
  ws = await createWorkspace({ openDefault: false });
}, 60_000);

afterAll(async () => {
  await ws?.dispose();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('Workspace on an Occ3D dataset', () => {
  it('opens the first scene, lists every scene, switches scene keeping the dataset', async () => {
    const info = await ws.openPath(root);
    expect(info.kind).toBe('occ3d');
    expect(info.dataset).toMatchObject({ scene: 'scene-0100', split: 'train', ordered: true });
    expect(info.timestampsUs).toEqual(tree[1]!.frames.map((f) => f.timestampUs));
    expect(await ws.listScenes()).toEqual({
      kind: 'occ3d',
      root,
      warnings: [],
      scenes: [
        { name: 'scene-0100', split: 'train', frames: 3, ordered: true },
        { name: 'scene-0200', split: 'val', frames: 2, ordered: true },
      ],
    });
    const other = await ws.openScene('scene-0200');
    expect([other.name, other.length, other.dataset?.split]).toEqual(['scene-0200', 2, 'val']);
    expect((await ws.getStatus()).source?.dataset?.scene).toBe('scene-0200');
    await expect(ws.openScene('scene-0300')).rejects.toThrow(/no scene named "scene-0300"/);
    await expect(ws.openScene(42 as unknown as string)).rejects.toThrow(/scene must be a scene name/);
  });

  it('a source that is not a dataset lists no scenes and cannot switch scene', async () => {
    await ws.openPath(OCC3D_SAMPLE);
    expect(await ws.listScenes()).toBeNull();
    await expect(ws.openScene('scene-0100')).rejects.toThrow(/not a dataset/);
  });

  it('trains on a whole split in the worker, frames streamed from disk', async () => {
    const info = await ws.openPath(root, { split: 'train' });
    expect(info.dataset?.scenes).toEqual(['scene-0100']);
    const two = await ws.openPath(path.join(root, 'gts'), { split: 'val' });
    expect(two.length).toBe(2);
    await ws.startTraining({ ...SMALL_CONFIG, model: { ...SMALL_CONFIG.model, inChannels: 288 }, steps: 2, batchSize: 1, crop: 32 });
    await ws.waitForTraining();
    expect((await ws.getStatus()).step).toBe(2);
  }, 300_000);

  it('exports the dataset’s tokens as a job with progress, cancellable, and resumes', async () => {
    const ckpt = path.join(tmp, 'tok.ckpt');
    await ws.saveCheckpoint(ckpt);
    const out = path.join(tmp, 'tokens');
    const seen: JobProgress[] = [];
    const off = ws.on('jobProgress', (p) => {
      seen.push(p);
      if (seen.length === 1) void ws.cancelDatasetExport();
    });
    await expect(ws.exportDatasetTokens(root, out, { workers: 1, maxMemoryMiB: 256 })).rejects.toThrow(/cancelled|exited/);
    off();
    expect(seen[0]!.job).toBe('encode occ3d');
    expect(await ws.cancelDatasetExport()).toBe(false);
    const progress: JobProgress[] = [];
    const off2 = ws.on('jobProgress', (p) => progress.push(p));
    const r = await ws.exportDatasetTokens(root, out, { workers: 1, maxMemoryMiB: 256 });
    off2();
    expect(r.scenes).toBe(2);
    expect([...r.encoded, ...r.skipped].sort()).toEqual(['scene-0100', 'scene-0200']);
    expect(progress.at(-1)).toMatchObject({ done: progress.at(-1)!.total });
    expect(progress.some((p) => /scene-0\d00: scene \d of 2/.test(p.message ?? ''))).toBe(true);
    await expect(ws.exportDatasetTokens(root, out, { split: 7 as unknown as string })).rejects.toThrow(/split must be a split name/);
  }, 300_000);

  it('alignTo expresses the frames in a reference ego frame from the annotations’ poses', async () => {
    const info = await ws.openPath(root, { scene: 'scene-0100', alignTo: 0 });
    expect(info.name).toMatch(/aligned to frame 0/);
    expect(info.dataset).toMatchObject({ scene: 'scene-0100', alignedTo: 0 });
    const f = await ws.getFrame(2, { channels: 'labels' });
    expect((f.meta.alignedTo as { index: number }).index).toBe(0);
    await expect(ws.openPath(root, { alignTo: -1 })).rejects.toThrow(/alignTo: too small/);
  });
});
