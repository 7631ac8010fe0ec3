/**
 * One place that turns the contract's QuantizerConfig into a quantizer, with the defaults the
 * product uses. `dim` is the model's latent dimension; `seed` makes codebook init, k-means and
 * reseeding repeat exactly.
 */
import type { QuantizerConfig } from '../../contract';
import { BinarySphericalQuantizer } from './bsq';
import { FiniteScalarQuantizer } from './fsq';
import { createRelaxedVq } from './relaxed-vq';
import { GroupedVectorQuantizer } from './gvq';
import { LookupFreeQuantizer } from './lfq';
import { MultiHeadVectorQuantizer } from './multihead-vq';
import type { Quantizer } from './quantizer';
import { ResidualFiniteScalarQuantizer } from './residual-fsq';
import { ResidualLookupFreeQuantizer } from './residual-lfq';
import { ResidualVectorQuantizer } from './rvq';
import { VectorQuantizer, type VqOptions } from './vq';

export const DEFAULT_CODEBOOK_SIZE = 512;
export const DEFAULT_RVQ_DEPTH = 4;
export const DEFAULT_GVQ_GROUPS = 2;
export const DEFAULT_RESIDUAL_DEPTH = 3;
export const DEFAULT_MHVQ_HEADS = 4;

export function vqOptions(cfg: QuantizerConfig, dim: number, seed: number): VqOptions {
  const o: VqOptions = {
    dim,
    codebookSize: cfg.codebookSize ?? DEFAULT_CODEBOOK_SIZE,
    seed,
  };
  if (cfg.beta !== undefined) o.beta = cfg.beta;
  if (cfg.ema !== undefined) o.ema = cfg.ema;
  if (cfg.emaDecay !== undefined) o.decay = cfg.emaDecay;
  if (cfg.kmeansInit !== undefined) o.kmeansInit = cfg.kmeansInit;
  if (cfg.deadCodeThreshold !== undefined) o.deadCodeThreshold = cfg.deadCodeThreshold;
  if (cfg.reseed !== undefined) o.reseed = cfg.reseed;
  if (cfg.entropyWeight !== undefined) o.entropyWeight = cfg.entropyWeight;
  if (cfg.cosine !== undefined) o.cosine = cfg.cosine;
  if (cfg.objectives !== undefined) o.objectives = cfg.objectives;
  // Codebook dynamics (docs/design-notes/codebook-dynamics.md).
  if (cfg.reseedPool !== undefined) o.reseedPool = cfg.reseedPool;
  if (cfg.reseedPoolSize !== undefined) o.recentLatents = cfg.reseedPoolSize;
  if (cfg.deadAfterSteps !== undefined) o.deadAfterSteps = cfg.deadAfterSteps;
  if (cfg.reseedNoise !== undefined) o.reseedNoise = cfg.reseedNoise;
  if (cfg.jitter !== undefined) o.jitter = cfg.jitter;
  if (cfg.rotationTrick !== undefined) o.rotationTrick = cfg.rotationTrick;
  if (cfg.betaSchedule !== undefined) o.betaSchedule = { ...cfg.betaSchedule };
  return o;
}

function bitOptions(cfg: QuantizerConfig, dim: number) {
  if (cfg.codebookSize !== undefined && cfg.codebookSize !== 2 ** dim) {
    throw new Error(`${cfg.kind}: codebookSize ${cfg.codebookSize} must be 2^dim = ${2 ** dim} (one bit per latent dimension)`);
  }
  return {
    dim,
    ...(cfg.entropyWeight !== undefined ? { entropyWeight: cfg.entropyWeight } : {}),
    ...(cfg.beta !== undefined ? { beta: cfg.beta } : {}),
  };
}

export function createQuantizer(cfg: QuantizerConfig, dim: number, seed: number): Quantizer {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`quantizer: latent dim must be a positive integer, got ${dim}`);
  switch (cfg.kind) {
    case 'vq':
      if (cfg.assignment === 'soft' || cfg.assignment === 'gumbel') return createRelaxedVq(cfg, vqOptions(cfg, dim, seed));
      return new VectorQuantizer(vqOptions(cfg, dim, seed));
    case 'fsq': {
      if (!cfg.levels || cfg.levels.length === 0) throw new Error('fsq: config needs levels, e.g. [8, 5, 5, 5]');
      return new FiniteScalarQuantizer(cfg.levels, dim);
    }
    case 'lfq':
      return new LookupFreeQuantizer(bitOptions(cfg, dim));
    case 'bsq':
      return new BinarySphericalQuantizer(bitOptions(cfg, dim));
    case 'rvq':
      return new ResidualVectorQuantizer({ ...vqOptions(cfg, dim, seed), depth: cfg.depth ?? DEFAULT_RVQ_DEPTH });
    case 'gvq':
      return new GroupedVectorQuantizer({ ...vqOptions(cfg, dim, seed), groups: cfg.depth ?? DEFAULT_GVQ_GROUPS });
    case 'rfsq': {
      if (!cfg.levels || cfg.levels.length === 0) throw new Error('rfsq: config needs levels, e.g. [8, 5, 5, 5]');
      return new ResidualFiniteScalarQuantizer(cfg.levels, cfg.depth ?? DEFAULT_RESIDUAL_DEPTH, dim);
    }
    case 'rlfq':
      return new ResidualLookupFreeQuantizer({ ...bitOptions(cfg, dim), depth: cfg.depth ?? DEFAULT_RESIDUAL_DEPTH });
    case 'mhvq':
      return new MultiHeadVectorQuantizer({
        ...vqOptions(cfg, dim, seed),
        heads: cfg.depth ?? DEFAULT_MHVQ_HEADS,
        ...(cfg.compose !== undefined ? { compose: cfg.compose } : {}),
        ...(cfg.projection !== undefined ? { projection: cfg.projection } : {}),
        ...(cfg.disentangleWeight !== undefined ? { disentangleWeight: cfg.disentangleWeight } : {}),
      });
    default: {
      const kind: never = cfg.kind;
      throw new Error(`quantizer: unknown kind "${String(kind)}" (expected vq, fsq, lfq, bsq, rvq, gvq, rfsq, rlfq or mhvq)`);
    }
  }
}
