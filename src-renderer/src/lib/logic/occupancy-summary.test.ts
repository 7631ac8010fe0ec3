import { describe, expect, it } from 'vitest';
import { geometryIouNote, occupiedWrong, rankedClassIou } from './occupancy-summary';

const FREE = 17;

describe('class-frame summary of the Decoded view', () => {
  it('counts an all-wrong reconstruction of the objects as 100 % wrong, not the share of all cells', () => {
    // 100 cells, 2 occupied (car, truck) in the truth; the reconstruction makes both free.
    const truth = new Uint8Array(100).fill(FREE);
    truth[3] = 4;
    truth[50] = 5;
    const pred = new Uint8Array(100).fill(FREE);
    const r = occupiedWrong(truth, pred, FREE);
    expect(r).toEqual({ wrong: 2, counted: 2, share: 1 });
    // A hallucinated object counts too (occupied in the prediction only).
    pred[3] = 4;
    pred[50] = 5;
    pred[70] = 9;
    expect(occupiedWrong(truth, pred, FREE)).toEqual({ wrong: 1, counted: 3, share: 1 / 3 });
    // Without a free class every cell counts.
    expect(occupiedWrong(truth, pred, undefined).counted).toBe(100);
    expect(Number.isNaN(occupiedWrong(new Uint8Array(4).fill(FREE), new Uint8Array(4).fill(FREE), FREE).share)).toBe(true);
    expect(() => occupiedWrong(truth, new Uint8Array(3), FREE)).toThrow(/100 cells/);
  });

  it('says n/a for the geometry IoU where every cell is occupied or there is no free class', () => {
    const full = new Uint8Array(16).fill(11);
    expect(geometryIouNote(full, { numClasses: 18, groups: 1, freeClass: FREE })).toMatch(/n\/a.*no free cell/);
    expect(geometryIouNote(full, { numClasses: 18, groups: 1 })).toMatch(/n\/a.*no free/);
    const withFree = full.slice();
    withFree[2] = FREE;
    expect(geometryIouNote(withFree, { numClasses: 18, groups: 1, freeClass: FREE })).toBeNull();
    // Height-folded (Occ3D): the voxels hold free space even where every column has something.
    expect(geometryIouNote(full, { numClasses: 18, groups: 16, freeClass: FREE })).toBeNull();
  });

  it('ranks per-class IoU worst first without the free class and classes absent from both sides', () => {
    const names = ['others', 'barrier', 'bicycle'];
    const r = rankedClassIou([0.5, Number.NaN, 0.25, 0.9], [...names, 'free'], 3);
    expect(r).toEqual([
      { id: 2, name: 'bicycle', iou: 0.25 },
      { id: 0, name: 'others', iou: 0.5 },
    ]);
  });
});
