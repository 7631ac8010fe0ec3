import type { ModelConfig } from '../../contract';

/**
 * The shape of a token dataset file: `[T, h, w]` (`[T, h, w, depth]` for residual / grouped
 * quantizers), and `[T, N]` (`[T, N, depth]`) for a TiTok 1D tokenizer, whose 1 × N "grid" has no
 * spatial meaning.
 */
export function tokenFileShape(model: Pick<ModelConfig, 'arch'>, t: { frames: number; h: number; w: number; depth: number }): number[] {
  const cells = model.arch === 'titok' ? [t.h * t.w] : [t.h, t.w];
  return t.depth === 1 ? [t.frames, ...cells] : [t.frames, ...cells, t.depth];
}
