/**
 * IoU / mIoU as Occ3D computes them: a hand-worked case, and the real Occ3D-nuScenes sample
 * against numpy computing Occ3D's own formula (Debian's python3; skipped with the reason when absent).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readNpz } from '../../data/npz';
import { toInt32 } from '../../data/npy';
import { ConfusionMatrix, segmentationScores } from './segmentation';

const here = path.dirname(fileURLToPath(import.meta.url));
const sample = path.resolve(here, '../../../../shared/data/occ3d-nuscenes-sample/labels.npz');
const python = '/usr/bin/python3';
const numpyOk = existsSync(python) && spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

describe('segmentation scores', () => {
  it('hand-worked: 3 classes, free = 2', () => {
    // truth: 0 0 1 1 2 2 ; pred: 0 1 1 1 2 0
    const s = segmentationScores([0, 1, 1, 1, 2, 0], [0, 0, 1, 1, 2, 2], 3, 2);
    // class 0: TP 1, FP 1 (cell 5), FN 1 (cell 1) → 1/3; class 1: TP 2, FP 1 → 2/3; free: 1/2.
    expect(s.perClass[0]).toBeCloseTo(1 / 3, 12);
    expect(s.perClass[1]).toBeCloseTo(2 / 3, 12);
    expect(s.perClass[2]).toBeCloseTo(1 / 2, 12);
    expect(s.miou).toBeCloseTo((1 / 3 + 2 / 3) / 2, 12);
    // occupied: truth cells 0-3, pred cells 0-3 and 5 → both 4, union 5.
    expect(s.iou).toBeCloseTo(4 / 5, 12);
  });

  it('classes absent from both sides are skipped in mIoU (NaN), the mask drops cells', () => {
    const s = segmentationScores([0, 0, 3, 3], [0, 1, 3, 3], 4, 3, [1, 0, 1, 1]);
    expect(Number.isNaN(s.perClass[1]!)).toBe(true);
    expect(Number.isNaN(s.perClass[2]!)).toBe(true);
    expect(s.miou).toBe(1);
    expect(Number.isNaN(segmentationScores([3, 3], [3, 3], 4, 3).iou)).toBe(true);
  });

  it('bad input fails with one clear message', () => {
    expect(() => segmentationScores([0, 1], [0], 2, 1)).toThrow('prediction has 2 cells, truth has 1');
    expect(() => segmentationScores([0, 5], [0, 1], 2, 1)).toThrow('predicted class 5 at cell 1 is outside 0..1');
    expect(() => new ConfusionMatrix(3).scores(3)).toThrow('free class 3 is outside 0..2');
  });

  it.skipIf(!existsSync(sample) || !numpyOk)(
    `Occ3D sample (200×200×16, 18 classes, free 17, camera mask) equals numpy's Occ3D formula${numpyOk ? '' : ' (skipped: /usr/bin/python3 with numpy absent)'}`,
    async () => {
      const npz = await readNpz(sample, ['semantics', 'mask_camera']);
      const truth = toInt32(npz.semantics!);
      const mask = toInt32(npz.mask_camera!);
      // A "reconstruction": the scene shifted by one voxel along y, with every 7th voxel's class
      // changed, so every kind of error occurs.
      const [X, Y, Z] = npz.semantics!.shape as [number, number, number];
      const pred = new Int32Array(truth.length);
      for (let x = 0; x < X; x++)
        for (let y = 0; y < Y; y++)
          for (let z = 0; z < Z; z++) {
            const i = (x * Y + y) * Z + z;
            const src = (x * Y + Math.min(Y - 1, y + 1)) * Z + z;
            pred[i] = i % 7 === 0 ? (truth[src]! + 5) % 18 : truth[src]!;
          }
      const cm = new ConfusionMatrix(18);
      cm.add(pred, truth, mask);
      const ours = cm.scores(17);
      const script = `
import sys, numpy as np
d = np.load(sys.argv[1]); gt = d['semantics'].astype(np.int64); m = d['mask_camera'].astype(bool)
X, Y, Z = gt.shape
src = np.concatenate([gt[:, 1:, :], gt[:, -1:, :]], axis=1)
pred = src.copy().reshape(-1); flat = np.arange(pred.size); pred[flat % 7 == 0] = (pred[flat % 7 == 0] + 5) % 18
pred = pred.reshape(gt.shape)
g, p = gt[m], pred[m]
hist = np.bincount(18 * g + p, minlength=18 * 18).reshape(18, 18)
with np.errstate(divide='ignore', invalid='ignore'):
    iu = np.diag(hist) / (hist.sum(1) + hist.sum(0) - np.diag(hist))
miou = np.nanmean(iu[:17])
go, po = g != 17, p != 17
iou = (go & po).sum() / (go | po).sum()
print(repr(float(miou)), repr(float(iou)))
`;
      const r = spawnSync(python, ['-c', script, sample], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const [miou, iou] = r.stdout.trim().split(/\s+/).map(Number) as [number, number];
      expect(Math.abs(ours.miou - miou)).toBeLessThan(1e-12);
      expect(Math.abs(ours.iou - iou)).toBeLessThan(1e-12);
      expect(ours.miou).toBeGreaterThan(0.1);
      expect(ours.miou).toBeLessThan(0.99);
    },
  );
});
