/**
 * A hierarchical tokenizer's ids travel through TokenScope as one depth-2 grid on the bottom
 * grid, `[T, h, w, 2]` (level 0 the top id of the cell's 2×2 block, level 1 the bottom id).
 * These turn it into VQ-VAE-2's two grids, top `[T, h/2, w/2]` and bottom `[T, h, w]`, and back.
 */
export const TOP_LEVEL = 0;
export const BOTTOM_LEVEL = 1;

export interface LevelGrids {
  frames: number;
  top: { h: number; w: number; ids: Int32Array };
  bottom: { h: number; w: number; ids: Int32Array };
}

export function splitLevels(ids: ArrayLike<number>, frames: number, h: number, w: number): LevelGrids {
  if (ids.length !== frames * h * w * 2) throw new Error(`hierarchical tokens: ${ids.length} ids for [${frames}, ${h}, ${w}, 2]`);
  if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`hierarchical tokens: the bottom grid ${h}×${w} must be even`);
  const th = h / 2;
  const tw = w / 2;
  const top = new Int32Array(frames * th * tw);
  const bottom = new Int32Array(frames * h * w);
  for (let t = 0; t < frames; t++) {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const cell = (t * h + r) * w + c;
        bottom[cell] = ids[cell * 2 + BOTTOM_LEVEL]!;
        if (r % 2 === 0 && c % 2 === 0) top[(t * th + r / 2) * tw + c / 2] = ids[cell * 2 + TOP_LEVEL]!;
      }
    }
  }
  return { frames, top: { h: th, w: tw, ids: top }, bottom: { h, w, ids: bottom } };
}

/** The top grid `[T, h/2, w/2]` and the bottom grid `[T, h, w]` → the depth-2 grid `[T, h, w, 2]`. */
export function joinLevels(top: ArrayLike<number>, bottom: ArrayLike<number>, frames: number, h: number, w: number): Int32Array {
  if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`hierarchical tokens: the bottom grid ${h}×${w} must be even`);
  if (bottom.length !== frames * h * w) throw new Error(`hierarchical tokens: ${bottom.length} bottom ids for [${frames}, ${h}, ${w}]`);
  if (top.length !== (frames * h * w) / 4) {
    throw new Error(`hierarchical tokens: ${top.length} top ids for [${frames}, ${h / 2}, ${w / 2}] (the top grid is half the bottom's)`);
  }
  const out = new Int32Array(frames * h * w * 2);
  for (let t = 0; t < frames; t++) {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const cell = (t * h + r) * w + c;
        out[cell * 2 + TOP_LEVEL] = top[(t * (h / 2) + (r >> 1)) * (w / 2) + (c >> 1)]!;
        out[cell * 2 + BOTTOM_LEVEL] = bottom[cell]!;
      }
    }
  }
  return out;
}
