import type { BevGrid } from '../data/bev-grid';
import type { EgoPose } from '../data/frame';
import { apply, egoToReference } from '../data/pose';
import type { SequenceTokens } from './sequence-tokens';

/**
 * The previous frame's token ids moved into this frame's ego frame (ego motion from the poses,
 * nearest token cell), so the token-change overlay shows what moved rather than where the car
 * drove. Cells the previous frame did not cover take this frame's own ids: they count as unchanged.
 * `[h, w, depth]` int32, as TokenFrame.indices.
 */
export function previousAligned(t: SequenceTokens, index: number, poses: readonly [EgoPose, EgoPose], grid: BevGrid, frameWidth: number): Int32Array {
  const { h, w, depth } = t;
  const n = h * w * depth;
  const cur = t.indices.subarray(index * n, (index + 1) * n);
  const prev = t.indices.subarray((index - 1) * n, index * n);
  const out = new Int32Array(cur);
  const cell = grid.cellSizeM * (frameWidth / w);
  const x0 = grid.xRangeM[0];
  const y1 = grid.yRangeM[1];
  // Points in this frame's ego frame → the previous frame's ego frame.
  const toPrev = egoToReference(poses[1], poses[0]);
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      const [px, py] = apply(toPrev, [x0 + (col + 0.5) * cell, y1 - (row + 0.5) * cell, 0]);
      const pc = Math.floor((px - x0) / cell);
      const pr = Math.floor((y1 - py) / cell);
      if (pc < 0 || pc >= w || pr < 0 || pr >= h) continue;
      const o = (row * w + col) * depth;
      const s = (pr * w + pc) * depth;
      for (let l = 0; l < depth; l++) out[o + l] = prev[s + l]!;
    }
  }
  return out;
}
