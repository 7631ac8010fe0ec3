/**
 * What the VQ training assignment ('hard' / 'soft' / 'gumbel') implies for the rest of a
 * quantizer config coming from a front door. The form and the CLI start from the VQ defaults
 * (EMA, k-means, reseeding), none of which a Gumbel quantizer has: those inherited defaults are
 * dropped, while the same options asked for explicitly are refused by name. Options of another
 * assignment left over from an earlier config are dropped the same way.
 */
import type { QuantizerConfig } from '../contract/index';
import { relaxedConfigProblems } from '../engine/quantizers/relaxed-vq';

const GUMBEL_ONLY = ['gumbelHard', 'klWeight'] as const;
const RELAXED_ONLY = ['temperature', 'gapEvery'] as const;
const NOT_FOR_GUMBEL = ['beta', 'ema', 'emaDecay', 'kmeansInit', 'deadCodeThreshold', 'reseed', 'entropyWeight', 'cosine'] as const;

/** The merged quantizer config with what the assignment excludes removed, unless `asked` said it. */
export function applyAssignment(merged: QuantizerConfig, asked: Partial<QuantizerConfig> | undefined): QuantizerConfig {
  const q: QuantizerConfig = { ...merged };
  const a = q.assignment ?? 'hard';
  const drop = (keys: readonly (keyof QuantizerConfig)[]) => {
    for (const k of keys) if (asked?.[k] === undefined) delete q[k];
  };
  if (a !== 'gumbel') drop(GUMBEL_ONLY);
  if (a === 'hard') drop(RELAXED_ONLY);
  if (a === 'gumbel') drop(NOT_FOR_GUMBEL);
  return q;
}

/** Problems of an assignment with the other quantizer options (empty when it can train). */
export function assignmentProblems(q: QuantizerConfig): string[] {
  return relaxedConfigProblems(q);
}
