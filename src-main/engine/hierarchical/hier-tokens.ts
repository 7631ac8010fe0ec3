import * as path from 'node:path';
import { writeTokenDataset } from '../checkpoint/export';
import { splitLevels } from './hier-levels';

/**
 * A hierarchical tokenizer's token dataset as VQ-VAE-2's two grids: `tokens_top.npy` int32
 * `[T, H/8, W/8]` and `tokens_bottom.npy` `[T, H/4, W/4]` (from the depth-2 grid TokenScope
 * carries, `[T, H/4, W/4, 2]`). Returns the files written.
 */
export async function writeHierTokenDatasets(dir: string, tokens: { indices: Int32Array; frames: number; h: number; w: number; depth: number }): Promise<string[]> {
  if (tokens.depth !== 2) throw new Error(`hierarchical tokens: expected 2 levels per cell, got ${tokens.depth}`);
  const levels = splitLevels(tokens.indices, tokens.frames, tokens.h, tokens.w);
  const top = path.join(dir, 'tokens_top.npy');
  const bottom = path.join(dir, 'tokens_bottom.npy');
  await writeTokenDataset(top, levels.top.ids, [tokens.frames, levels.top.h, levels.top.w]);
  await writeTokenDataset(bottom, levels.bottom.ids, [tokens.frames, levels.bottom.h, levels.bottom.w]);
  return [top, bottom];
}
