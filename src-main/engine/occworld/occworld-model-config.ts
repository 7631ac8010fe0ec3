import type { ModelConfig } from '../../contract';
import { occworldFactor, occworldFrameChannels, parseOccWorldConfig, type OccWorldConfig } from './occworld-config';

/**
 * The product's ModelConfig for an OccWorld model: `arch: 'occworld'`, OccWorld's own dict
 * under `occworld`, and the generic fields every other part of the product reads (input
 * channels, latent size, downsampling) derived from it.
 */
export function occworldModelConfig(occ: OccWorldConfig): ModelConfig {
  return {
    arch: 'occworld',
    occworld: occ,
    inChannels: occworldFrameChannels(occ),
    hidden: occ.encoder_cfg.ch,
    latentDim: occ.vqvae_cfg.e_dim,
    stages: Math.log2(occworldFactor(occ)),
  };
}

/**
 * The OccWorld dict of a ModelConfig whose `arch` is 'occworld', checked (fields and bounds) and
 * checked against the generic fields, which must be the derived ones. Throws naming `source`.
 */
export function occworldOf(m: ModelConfig, source: string): OccWorldConfig {
  if (m.occworld === undefined) throw new Error(`${source}: model.arch is "occworld" but model.occworld (OccWorld's model dict) is missing`);
  const occ = parseOccWorldConfig(m.occworld, `${source}: model.occworld`);
  const derived = occworldModelConfig(occ);
  for (const k of ['inChannels', 'hidden', 'latentDim', 'stages'] as const) {
    if (m[k] !== derived[k]) throw new Error(`${source}: model.${k} is ${m[k]} but OccWorld's model dict makes it ${derived[k]}`);
  }
  const w = m.occworldLoss;
  if (w !== undefined) {
    const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1000;
    if (typeof w !== 'object' || w === null || !ok(w.ce) || !ok(w.lovasz)) {
      throw new Error(`${source}: model.occworldLoss must be { ce, lovasz } with weights in 0..1000, got ${JSON.stringify(w)}`);
    }
  }
  return occ;
}

export function isOccWorld(m: ModelConfig): boolean {
  return m.arch === 'occworld';
}
