import { describe, expect, it } from 'vitest';
import { isCheckpointPath } from './open-target';

describe('open target', () => {
  it('sends checkpoints (.ckpt, .pth, .pt) to openCheckpoint and everything else to openPath', () => {
    for (const p of ['/m/model.pth', 'C:\\runs\\epoch_3.PTH', 'scene.ckpt', 'weights.pt', ' x.pth ']) expect(isCheckpointPath(p), p).toBe(true);
    for (const p of ['labels.npz', 'frames.npy', '/data/seq11', '/data/seq11/', 'model.pth.npy', 'notes.ptx', 'x.pt/frames.npy']) expect(isCheckpointPath(p), p).toBe(false);
  });
});
