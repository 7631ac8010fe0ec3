import type { Command } from 'commander';
import { intOption } from './options';

/** `tokenscope train --arch titok [--tokens N] [--titok-layers L] [--titok-heads H]`: the 1D tokenizer's settings. */
export interface TiTokOptions {
  tokens?: number;
  titokLayers?: number;
  titokHeads?: number;
}

export function addTiTokOptions(cmd: Command): Command {
  return cmd
    .option('--tokens <n>', 'titok: tokens per frame (N; default 32)', intOption(1, 4096))
    .option('--titok-layers <n>', 'titok: cross-attention blocks in the encoder and in the decoder (default 1)', intOption(1, 12))
    .option('--titok-heads <n>', 'titok: attention heads (default: 4, 2 or 1, whichever divides --hidden)', intOption(1, 64));
}

/** The model fields these options ask for (the service fills the grid from the data). */
export function titokModelOptions(o: TiTokOptions): Record<string, unknown> {
  const t: Record<string, number> = {};
  if (o.tokens !== undefined) t.tokens = o.tokens;
  if (o.titokLayers !== undefined) t.layers = o.titokLayers;
  if (o.titokHeads !== undefined) t.heads = o.titokHeads;
  return Object.keys(t).length ? { arch: 'titok', titok: t } : {};
}
