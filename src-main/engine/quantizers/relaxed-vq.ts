/**
 * The VQ of a config whose training assignment is relaxed ('soft' or 'gumbel'), with the
 * options that do not apply to it refused by name rather than ignored.
 */
import type { QuantizerConfig } from '../../contract';
import { GumbelQuantizer } from './gumbel';
import type { Quantizer } from './quantizer';
import { SoftVectorQuantizer } from './soft-vq';
import { DEFAULT_TEMPERATURE } from './temperature-schedule';
import type { VqOptions } from './vq';

/** Options a relaxed assignment cannot honour, per assignment. */
export function relaxedConfigProblems(cfg: QuantizerConfig): string[] {
  const a = cfg.assignment ?? 'hard';
  const p: string[] = [];
  if (a !== 'hard' && cfg.kind !== 'vq') p.push(`assignment '${a}' applies to kind 'vq' only (got '${cfg.kind}')`);
  if (a !== 'gumbel') {
    if (cfg.gumbelHard !== undefined) p.push("gumbelHard applies to assignment 'gumbel' only");
    if (cfg.klWeight !== undefined) p.push("klWeight applies to assignment 'gumbel' only");
  }
  if (a === 'hard' && cfg.temperature !== undefined) p.push("temperature applies to assignment 'soft' or 'gumbel'");
  if (a === 'gumbel') {
    // The Gumbel codebook is read through logits, not distances: EMA, k-means, reseeding by
    // distance, the distance-entropy regulariser and the cosine codebook have nothing to act on.
    if (cfg.ema) p.push('gumbel assignment trains its codebook by gradient: ema is not available');
    if (cfg.kmeansInit) p.push('gumbel assignment: kmeansInit is not available (codes are picked by logits, not distance)');
    if (cfg.deadCodeThreshold) p.push('gumbel assignment: deadCodeThreshold is not available');
    if (cfg.entropyWeight) p.push('gumbel assignment: entropyWeight is not available (klWeight is its prior term)');
    if (cfg.cosine) p.push('gumbel assignment: cosine is not available');
    if (cfg.beta !== undefined) p.push("gumbel assignment has no commitment loss: beta does not apply (klWeight weighs its prior term)");
  }
  return p;
}

export function createRelaxedVq(cfg: QuantizerConfig, o: VqOptions): Quantizer {
  const problems = relaxedConfigProblems(cfg);
  if (problems.length) throw new Error(`vq: ${problems.join('; ')}`);
  const temperature = cfg.temperature?.start ?? DEFAULT_TEMPERATURE.start;
  if (cfg.assignment === 'gumbel') {
    return new GumbelQuantizer({
      dim: o.dim,
      codebookSize: o.codebookSize,
      temperature,
      ...(cfg.gumbelHard !== undefined ? { hard: cfg.gumbelHard } : {}),
      ...(cfg.klWeight !== undefined ? { klWeight: cfg.klWeight } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
    });
  }
  return new SoftVectorQuantizer({ ...o, temperature });
}
