/**
 * The config side of the codebook objectives (codebook-objectives.ts computes them): the loss-part
 * names, the defaults of their settings, and when a config's objectives cannot act. No tfjs here,
 * so the service's config checks and the CLI load it without the engine.
 */
import type { CodebookObjectives } from '../../contract';

/** The loss-part names, as they appear in the metrics and the loss chart. */
export const OBJECTIVE_PARTS = ['orthogonal', 'norm', 'repulsion', 'varianceHinge', 'infonce', 'vicregVariance', 'vicregCovariance'] as const;
export type ObjectivePart = (typeof OBJECTIVE_PARTS)[number];

/** The objectives that act on the codebook alone (an EMA codebook, not trained by gradient, ignores them). */
export const CODEBOOK_ONLY_PARTS: readonly ObjectivePart[] = ['orthogonal', 'norm', 'repulsion', 'varianceHinge', 'vicregVariance', 'vicregCovariance'];

export const OBJECTIVE_DEFAULTS = {
  orthogonalActiveOnly: true,
  normTarget: 1,
  repulsionSigma: 1,
  varianceGamma: 1,
  infonceTemperature: 0.1,
} as const;

/** The parts whose weight is above 0, in OBJECTIVE_PARTS order. */
export function activeObjectives(o: CodebookObjectives | undefined): ObjectivePart[] {
  return o ? OBJECTIVE_PARTS.filter((k) => (o[k] ?? 0) > 0) : [];
}

/**
 * Why a config's objectives cannot run, or null. The codebook-only objectives train the
 * codebook by gradient, and an EMA codebook is not among the optimiser's variables: they would
 * do nothing, silently. InfoNCE also reaches the encoder, so it is allowed with EMA.
 */
export function objectivesProblem(o: CodebookObjectives | undefined, ema: boolean | undefined): string | null {
  const bad = activeObjectives(o).filter((k) => CODEBOOK_ONLY_PARTS.includes(k));
  if (ema && bad.length) {
    return `the codebook objectives ${bad.join(', ')} train the codebook by gradient, but an EMA codebook is not trained by the optimiser: turn EMA off (ema: false, CLI --no-ema)`;
  }
  return null;
}

/**
 * Why a training config's objectives cannot run, or null: only the learned codebooks (vq, and
 * each codebook of rvq and gvq) of the reference network have them; OccWorld's own quantizer,
 * FSQ, LFQ and BSQ (implicit codebooks) do not.
 */
export function objectivesConfigProblem(q: { kind: string; ema?: boolean | undefined; objectives?: CodebookObjectives | undefined }, arch: string | undefined): string | null {
  const on = activeObjectives(q.objectives);
  if (!on.length) return null;
  if (arch === 'occworld') return `config.quantizer.objectives: ${on.join(', ')} are not available with OccWorld's quantizer (use the reference network)`;
  if (q.kind !== 'vq' && q.kind !== 'rvq' && q.kind !== 'gvq') return `config.quantizer.objectives: ${on.join(', ')} need a learned codebook (vq, rvq or gvq), not ${q.kind}`;
  const p = objectivesProblem(q.objectives, q.ema);
  return p ? `config.quantizer.objectives: ${p}` : null;
}

