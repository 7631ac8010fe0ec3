import type { TokenFrame, TokenLevelGrid, TrainConfig } from '../contract/index';
import { HIER_BOTTOM_FACTOR, HIER_TOP_FACTOR } from '../engine/hierarchical/hier-architecture';
import { HIER_LEVEL_NAMES } from '../engine/hierarchical/hier-quantizer';
import { TOP_LEVEL } from '../engine/hierarchical/hier-levels';

/** Level names of a model whose levels are grids of their own (hierarchical: top, bottom); undefined otherwise. */
export function levelNamesOf(config: TrainConfig): string[] | undefined {
  return config.model.arch === 'hierarchical' ? [...HIER_LEVEL_NAMES] : undefined;
}

/**
 * One level of a frame's `[h, w, depth]` ids at its own resolution: a hierarchical model's top
 * level is one id per 2×2 block (`[h/2, w/2]`, 8× down); every other level (the bottom grid, a
 * residual level, a group) is the frame's grid. `level` is checked by the caller.
 */
export function tokenLevelGrid(frame: TokenFrame, level: number, config: TrainConfig): TokenLevelGrid {
  const { h, w, depth } = frame;
  const hier = config.model.arch === 'hierarchical';
  const stride = hier && level === TOP_LEVEL ? 2 : 1;
  const lh = Math.floor(h / stride);
  const lw = Math.floor(w / stride);
  const indices = new Int32Array(lh * lw);
  for (let r = 0; r < lh; r++) {
    for (let c = 0; c < lw; c++) indices[r * lw + c] = frame.indices[((r * stride) * w + c * stride) * depth + level]!;
  }
  const factor = hier ? (stride === 2 ? HIER_TOP_FACTOR : HIER_BOTTOM_FACTOR) : 2 ** config.model.stages;
  return { index: frame.index, level, name: hier ? HIER_LEVEL_NAMES[level]! : `level ${level}`, h: lh, w: lw, factor, indices };
}
