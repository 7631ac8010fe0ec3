import { describe, expect, it } from 'vitest';
import { centredGrid } from '../data/bev-grid';
import type { EgoPose } from '../data/frame';
import { Rng } from '../util/rng';
import { previousAligned } from './ego-token-change';
import type { SequenceTokens } from './sequence-tokens';

/**
 * Two frames of a 20×20 token grid (a 80×80-cell frame of 0.4 m, 4× tokenizer: 1.6 m per token)
 * where the car drives one token cell (+1.6 m) along x, or turns 90° in place: the previous
 * frame's ids moved by the poses match the current ones wherever the previous frame saw.
 */
const H = 20;
const W = 20;
const grid = centredGrid(80, 0.4);

function tokensOf(frames: Int32Array[]): SequenceTokens {
  const indices = new Int32Array(frames.length * H * W);
  frames.forEach((f, i) => indices.set(f, i * H * W));
  return { frames: frames.length, h: H, w: W, depth: 1, codebookSize: 1000, indices, quantError: new Float32Array(frames.length * H * W) };
}

const pose = (x: number, yaw = 0): EgoPose => ({ translation: [x, 5, 0], rotationWxyz: [Math.cos(yaw / 2), 0, 0, Math.sin(yaw / 2)] });

describe('previousAligned', () => {
  const rng = new Rng(4);
  const first = Int32Array.from({ length: H * W }, () => rng.int(1000));

  it('driving one token cell forward: cell (r, c) of the new frame shows what (r, c + 1) showed', () => {
    // The world moves −1.6 m in the car's frame: the new frame's column c is the old column c + 1.
    const second = new Int32Array(H * W);
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) second[r * W + c] = c + 1 < W ? first[r * W + c + 1]! : 5000 + r;
    const moved = previousAligned(tokensOf([first, second]), 1, [pose(100), pose(101.6)], grid, 80);
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) expect(moved[r * W + c]).toBe(second[r * W + c]);
    }
  });

  it('turning 90° left in place: the old frame’s rows become the new frame’s columns', () => {
    const second = new Int32Array(H * W).fill(-7);
    const moved = previousAligned(tokensOf([first, second]), 1, [pose(0), pose(0, Math.PI / 2)], grid, 80);
    // New cell at (x, y) in metres was old (−y, x) after the car turned +90° (x forward, y left).
    const cellM = 1.6;
    for (const [r, c] of [[3, 4], [10, 15], [18, 1]] as const) {
      const x = -16 + (c + 0.5) * cellM;
      const y = 16 - (r + 0.5) * cellM;
      const [ox, oy] = [-y, x];
      const oc = Math.floor((ox + 16) / cellM);
      const or = Math.floor((16 - oy) / cellM);
      expect(moved[r * W + c]).toBe(first[or * W + oc]);
    }
    expect(moved.includes(-7)).toBe(false);
  });
});
