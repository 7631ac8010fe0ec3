import type { TrainConfig } from '../contract/index';
import { HIER_TOP_FACTOR } from '../engine/hierarchical/hier-architecture';
import { ArgumentError } from './errors';

/**
 * Training settings for `model.arch: 'hierarchical'` (VQ-VAE-2): a 4× bottom grid (stages 2)
 * under an 8× top grid, VQ at both levels, an even width (the encoders halve it), and crops /
 * whole frames that are multiples of 8. Stages left at another default are set to 2; an explicit
 * other value, another quantizer kind or an odd width is refused with the field named.
 */
export function applyHierarchicalModel(cfg: TrainConfig, asked: { stages?: number | undefined }, seq: { height: number; width: number }): void {
  const refuse = (problem: string): never => {
    throw new ArgumentError('startTraining', problem);
  };
  if (asked.stages !== undefined && asked.stages !== 2) {
    refuse(`config.model.stages: the hierarchical model has a 4× bottom and an 8× top grid (stages 2), got ${asked.stages}`);
  }
  cfg.model.stages = 2;
  if (cfg.quantizer.kind !== 'vq') refuse(`config.quantizer.kind: the hierarchical model's two codebooks are VQ, got ${cfg.quantizer.kind}`);
  if (cfg.model.hidden % 2 !== 0) refuse(`config.model.hidden: the hierarchical model halves its width inside, it must be even, got ${cfg.model.hidden}`);
  const f = HIER_TOP_FACTOR;
  if (cfg.crop > 0 && cfg.crop % f !== 0) refuse(`config.crop: the hierarchical model's top grid is 8× down, the crop must be a multiple of 8, got ${cfg.crop}`);
  if (cfg.crop === 0 && (seq.height % f !== 0 || seq.width % f !== 0)) {
    refuse(`whole frames of ${seq.height}×${seq.width} are not a multiple of the hierarchical top grid's factor 8: set a crop`);
  }
}
