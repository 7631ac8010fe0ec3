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

/** Whether `level` of this model is the hierarchical top grid (one id per 2×2 block of the frame's token grid). */
export function isCoarseLevel(config: TrainConfig, level: number): boolean {
  return config.model.arch === 'hierarchical' && level === TOP_LEVEL;
}

/**
 * A level's code usage counted in its own tokens: the hierarchical top level's ids are repeated
 * over 2×2 cells of the grid they travel on, so its counts are divided by 4 (a new array).
 */
export function levelUsage(usage: Float32Array, config: TrainConfig, level: number): Float32Array {
  return isCoarseLevel(config, level) ? usage.map((u) => u / 4) : usage;
}

/** A level's occurrences, one per token: for the hierarchical top, the first cell of each 2×2 block. */
export function levelOccurrences<T extends { row: number; col: number }>(list: T[], config: TrainConfig, level: number): T[] {
  return isCoarseLevel(config, level) ? list.filter((o) => o.row % 2 === 0 && o.col % 2 === 0) : list;
}
