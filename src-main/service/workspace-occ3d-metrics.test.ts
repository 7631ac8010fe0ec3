import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OccupancyScores, TrainConfig } from '../contract/index';
import { writeNpy } from '../data/npy';
import { buildOcc3dTree, type TreeScene } from '../data/occ3d-test-tree';
import { classEncoding } from '../data/palette';
import { HAS_NUMPY, OCC3D_SAMPLE, PYTHON, pythonJson } from '../data/test-paths';
import { saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { Tokenizer } from '../engine/tokenizer';
import { SMALL_CONFIG } from './test-config';
import { createWorkspace, type Workspace } from './workspace';

/**
 * Occ3D benchmark metrics of a reconstruction against numpy doing what Occ3D's Metric_mIoU does:
 * labels.npz read by numpy, the predicted class maps turned back into [X, Y, Z], voxels outside
 * the camera / lidar mask dropped, one 18×18 histogram summed over the scene's frames, IoU per
 * class, mIoU = nanmean of the 17 non-free classes, geometry IoU of occupied vs free.
 */
const NUMPY_METRICS = String.raw`
import json, sys, numpy as np
files = json.loads(sys.argv[1]); preds = json.loads(sys.argv[2])
out = {}
for mask in ['none', 'camera', 'lidar']:
    hist = np.zeros((18, 18))
    per_frame = []
    for f, p in zip(files, preds):
        d = np.load(f)
        gt = d['semantics'].astype(np.int64)
        g = np.load(p)                       # [Z, H, W], row = 199 - y, column = x
        pred = g[:, ::-1, :].transpose(2, 1, 0).astype(np.int64)   # -> [X, Y, Z]
        keep = np.ones_like(gt, dtype=bool) if mask == 'none' else d['mask_' + mask].astype(bool)
        h = np.bincount(18 * gt[keep] + pred[keep], minlength=324).reshape(18, 18)
        hist += h
        per_frame.append(h)
    def scores(h):
        with np.errstate(divide='ignore', invalid='ignore'):
            iou = np.diag(h) / (h.sum(1) + h.sum(0) - np.diag(h))
        occ_t = h.sum() - h[17, :].sum(); occ_p = h.sum() - h[:, 17].sum()
        both = h.sum() - h[17, :].sum() - h[:, 17].sum() + h[17, 17]
        geo = both / (occ_t + occ_p - both)
        return {'perClass': [None if np.isnan(v) else float(v) for v in iou], 'miou': float(np.nanmean(iou[:17])), 'iou': float(geo)}
    out[mask] = {'scene': scores(hist), 'frame0': scores(per_frame[0])}
print(json.dumps(out))
`;

let tmp: string;
let root: string;
let tree: TreeScene[];
let ws: Workspace;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'occ3d-metrics-'));
  root = path.join(tmp, 'occ3d');
  tree = await buildOcc3dTree(root, OCC3D_SAMPLE, [{ name: 'scene-0004', split: 'val', frames: 3 }]);
  // The shared small tokenizer, on 16 height groups × 18 classes.
  const cfg: TrainConfig = { ...SMALL_CONFIG, model: { ...SMALL_CONFIG.model, inChannels: 288 }, steps: 1, batchSize: 1 };
  const tok = new Tokenizer(cfg, classEncoding(16));
  const weights = tok.stateDict();
  await saveCheckpoint(path.join(tmp, 'tok.ckpt'), { config: cfg, step: 1, weights, optimizer: null, metrics: [] });
  tf.dispose(Object.values(weights));
  tok.dispose();
  ws = await createWorkspace({ openDefault: false, encodeIn: 'process' });
}, 120_000);

afterAll(async () => {
  await ws?.dispose();
  await fs.rm(tmp, { recursive: true, force: true });
});

type Ref = { perClass: (number | null)[]; miou: number; iou: number };

function expectScores(got: OccupancyScores | undefined, want: Ref): void {
  expect(got).toBeDefined();
  expect(got!.perClass).toHaveLength(18);
  got!.perClass.forEach((v, c) => (want.perClass[c] === null ? expect(v).toBeNaN() : expect(v).toBeCloseTo(want.perClass[c]!, 9)));
  expect(got!.miou).toBeCloseTo(want.miou, 9);
  expect(got!.iou).toBeCloseTo(want.iou, 9);
}

describe.skipIf(!HAS_NUMPY)(`Occ3D masked metrics against numpy (needs ${PYTHON} with numpy)`, () => {
  it('per frame and over the scene, under no mask, the camera mask and the lidar mask', async () => {
    const info = await ws.openPath(path.join(root, 'gts', 'scene-0004'));
    expect(info.dataset?.ordered).toBe(true);
    await ws.openCheckpoint(path.join(tmp, 'tok.ckpt'));
    const preds: string[] = [];
    let frame0: OccupancyScores[] | undefined;
    for (let i = 0; i < 3; i++) {
      const d = await ws.getDecoded(i, { channels: 'labels', groupLabels: true });
      if (i === 0) frame0 = d.occupancy;
      const p = path.join(tmp, `pred${i}.npy`);
      await writeNpy(p, d.groupLabels!, [16, 200, 200]);
      preds.push(p);
    }
    const scene = await ws.evaluateScene();
    expect(scene.frames).toBe(3);
    expect(scene.classNames).toHaveLength(18);
    const files = tree[0]!.frames.map((f) => f.file);
    const ref = pythonJson<Record<string, { scene: Ref; frame0: Ref }>>(NUMPY_METRICS, JSON.stringify(files), JSON.stringify(preds));
    for (const mask of ['none', 'camera', 'lidar'] as const) {
      expectScores(frame0?.find((s) => s.mask === mask), ref[mask]!.frame0);
      expectScores(scene.scores.find((s) => s.mask === mask), ref[mask]!.scene);
    }
    // The masks matter: the camera mask leaves out voxels, so its scores differ from no mask.
    expect(scene.scores.find((s) => s.mask === 'camera')!.miou).not.toBeCloseTo(scene.scores.find((s) => s.mask === 'none')!.miou, 6);
  }, 300_000);

  it('sends the top-down visibility of each mask with the frame (any voxel of the column observed)', async () => {
    const f = await ws.getFrame(1, { channels: 'labels' });
    const ref = pythonJson<{ camera: number; lidar: number; cell: number[] }>(
      String.raw`
import json, sys, numpy as np
d = np.load(sys.argv[1])
cam = d['mask_camera'].any(axis=2); lid = d['mask_lidar'].any(axis=2)
print(json.dumps({'camera': int(cam.sum()), 'lidar': int(lid.sum()), 'cell': [int(cam[57, 200 - 1 - 31]), int(lid[57, 200 - 1 - 31])]}))`,
      tree[0]!.frames[1]!.file,
    );
    const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);
    expect(sum(f.visibility!.camera!)).toBe(ref.camera);
    expect(sum(f.visibility!.lidar!)).toBe(ref.lidar);
    // Voxel column (x = 57, y = 168) is cell row 31, column 57.
    expect([f.visibility!.camera![31 * 200 + 57], f.visibility!.lidar![31 * 200 + 57]]).toEqual(ref.cell);
  });

  it('sends with each frame’s tokens the previous frame’s ids moved by the ego motion of the poses', async () => {
    await ws.openPath(path.join(root, 'gts', 'scene-0004'));
    await ws.openCheckpoint(path.join(tmp, 'tok.ckpt'));
    expect((await ws.getTokens(0)).previousAligned).toBeUndefined();
    const t = await ws.getTokens(2);
    expect(t.previousAligned).toBeInstanceOf(Int32Array);
    expect(t.previousAligned!.length).toBe(t.indices.length);
  }, 120_000);
});
