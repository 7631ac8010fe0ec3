import type { QuantizerConfig } from '../../contract';
import { vqOptions } from '../quantizers/create-quantizer';
import { HierarchicalQuantizer } from './hier-quantizer';

/**
 * The two codebooks of a hierarchical (VQ-VAE-2) model from the config's quantizer settings:
 * both levels are VQ with the same options (K codes of dimension latentDim each; EMA, β,
 * dead-code reseeding… as for a plain VQ). Other quantizer kinds are refused: VQ-VAE-2 is
 * defined with vector quantization at both levels.
 */
export function createHierQuantizer(cfg: QuantizerConfig, codeDim: number, seed: number): HierarchicalQuantizer {
  if (cfg.kind !== 'vq') {
    throw new Error(`hierarchical (VQ-VAE-2) model: both levels use VQ codebooks; quantizer kind "${cfg.kind}" is not supported (use vq)`);
  }
  return new HierarchicalQuantizer(vqOptions(cfg, codeDim, seed));
}
