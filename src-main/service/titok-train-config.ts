import type { TiTokConfig } from '../contract/index';
import type { FrameSequence } from '../data/frame';
import { ArgumentError } from './errors';

/**
 * Training settings for `model.arch: 'titok'`: the 1D tokenizer's grid is the open frames' latent
 * grid (frame size / 2^stages) — its position embeddings fix the frame size, so it trains on whole
 * frames (resolveTrainConfig sets the crop to 0) — and what the request leaves out takes
 * TiTok-small-like values scaled to BEV: 32 tokens, one cross-attention block each side, the most
 * heads (4, 2, 1) that divide the width.
 */
export const TITOK_DEFAULTS = { tokens: 32, layers: 1 } as const;

export function titokSettings(model: { hidden: number; stages: number }, asked: Partial<TiTokConfig> | undefined, seq: FrameSequence): TiTokConfig {
  const f = 2 ** model.stages;
  if (seq.height % f !== 0 || seq.width % f !== 0) {
    throw new ArgumentError('startTraining', `titok: frames of ${seq.height}×${seq.width} are not a multiple of the downsampling factor ${f}`);
  }
  const given = asked ?? {};
  const heads = given.heads ?? [4, 2, 1].find((h) => model.hidden % h === 0)!;
  if (model.hidden % heads !== 0) throw new ArgumentError('startTraining', `titok: the width (hidden ${model.hidden}) must be a multiple of the heads (${heads})`);
  return {
    tokens: given.tokens ?? TITOK_DEFAULTS.tokens,
    layers: given.layers ?? TITOK_DEFAULTS.layers,
    heads,
    gridHeight: seq.height / f,
    gridWidth: seq.width / f,
  };
}
