import type { Command } from 'commander';
import type { CodebookObjectives } from '../contract/index';
import { OBJECTIVE_PARTS, type ObjectivePart } from '../engine/quantizers/codebook-objectives-config';
import { floatOption, intOption } from './options';

/**
 * `tokenscope train`'s options for the objectives on the codebook
 * (engine/quantizers/codebook-objectives.ts; docs/design-notes/codebook-objectives.md), and the
 * columns their values add to the progress line. `--no-ema` is here because all of them but
 * InfoNCE act on the codebook by gradient, which an EMA codebook (the default) does not take.
 */
export interface ObjectiveOptions {
  orthogonalWeight?: number;
  orthogonalMaxCodes?: number;
  orthogonalAllCodes?: boolean;
  normWeight?: number;
  normTarget?: number;
  repulsionWeight?: number;
  repulsionSigma?: number;
  varianceHingeWeight?: number;
  varianceGamma?: number;
  infonceWeight?: number;
  infonceTemperature?: number;
  vicregVarianceWeight?: number;
  vicregCovarianceWeight?: number;
  /** false with --no-ema (commander's negated flag; true when absent). */
  ema?: boolean;
}

const weight = () => floatOption(0, 1000);

export function addObjectiveOptions(cmd: Command): Command {
  return cmd
    .option('--no-ema', 'vq/rvq/gvq: train the codebook by gradient instead of EMA (the codebook objectives need it)')
    .option('--orthogonal-weight <w>', 'codebook objective: orthogonality of the used codes (vector-quantize-pytorch orthogonal_reg_weight)', weight())
    .option('--orthogonal-max-codes <n>', 'orthogonality over at most n used codes, sampled each step', intOption(2, 65_536))
    .option('--orthogonal-all-codes', 'orthogonality over every code, not only those the batch used')
    .option('--norm-weight <w>', 'codebook objective: norm control, mean (‖e‖ − target)²', weight())
    .option('--norm-target <x>', 'target code norm (default 1)', floatOption(0, 1e6))
    .option('--repulsion-weight <w>', 'codebook objective: soft repulsion, mean exp(−‖eᵢ − eⱼ‖²/σ²) over pairs', weight())
    .option('--repulsion-sigma <x>', 'repulsion length scale σ (default 1)', floatOption(1e-6, 1e6))
    .option('--variance-hinge-weight <w>', 'codebook objective: variance hinge, mean max(0, γ − std_d)² over dimensions', weight())
    .option('--variance-gamma <x>', 'variance hinge target std γ (default 1)', floatOption(0, 1e6))
    .option('--infonce-weight <w>', 'codebook objective: InfoNCE, latent vs its code against the other codes (works with EMA)', weight())
    .option('--infonce-temperature <x>', 'InfoNCE temperature τ (default 0.1)', floatOption(1e-4, 100))
    .option('--vicreg-variance-weight <w>', "codebook objective: VICReg's variance term on the codebook", weight())
    .option('--vicreg-covariance-weight <w>', "codebook objective: VICReg's covariance term on the codebook", weight());
}

/** The quantizer fields these options ask for: `objectives` and `ema: false` when given. */
export function objectiveQuantizerOptions(o: ObjectiveOptions): { objectives?: CodebookObjectives; ema?: false } {
  const obj: CodebookObjectives = {};
  if (o.orthogonalWeight !== undefined) obj.orthogonal = o.orthogonalWeight;
  if (o.orthogonalMaxCodes !== undefined) obj.orthogonalMaxCodes = o.orthogonalMaxCodes;
  if (o.orthogonalAllCodes) obj.orthogonalActiveOnly = false;
  if (o.normWeight !== undefined) obj.norm = o.normWeight;
  if (o.normTarget !== undefined) obj.normTarget = o.normTarget;
  if (o.repulsionWeight !== undefined) obj.repulsion = o.repulsionWeight;
  if (o.repulsionSigma !== undefined) obj.repulsionSigma = o.repulsionSigma;
  if (o.varianceHingeWeight !== undefined) obj.varianceHinge = o.varianceHingeWeight;
  if (o.varianceGamma !== undefined) obj.varianceGamma = o.varianceGamma;
  if (o.infonceWeight !== undefined) obj.infonce = o.infonceWeight;
  if (o.infonceTemperature !== undefined) obj.infonceTemperature = o.infonceTemperature;
  if (o.vicregVarianceWeight !== undefined) obj.vicregVariance = o.vicregVarianceWeight;
  if (o.vicregCovarianceWeight !== undefined) obj.vicregCovariance = o.vicregCovarianceWeight;
  return {
    ...(Object.keys(obj).length ? { objectives: obj } : {}),
    ...(o.ema === false ? { ema: false as const } : {}),
  };
}

/** Short column names for the progress line. */
const COLUMN: Record<ObjectivePart, string> = {
  orthogonal: 'ortho',
  norm: 'norm',
  repulsion: 'repel',
  varianceHinge: 'varh',
  infonce: 'nce',
  vicregVariance: 'vicV',
  vicregCovariance: 'vicC',
};

/** `ortho 0.0123  nce 2.3026 …` for the objectives a step reported (none: empty). */
export function objectiveColumns(quantLoss: Record<string, number> | undefined): string[] {
  const out: string[] = [];
  for (const k of OBJECTIVE_PARTS) {
    const v = quantLoss?.[k];
    if (v !== undefined && Number.isFinite(v)) out.push(`${COLUMN[k]} ${v.toFixed(4)}`);
  }
  return out;
}

/** `tokenscope info`'s line for a config's objectives, or none when all are off. */
export function objectivesInfoLines(o: CodebookObjectives | undefined): string[] {
  if (!o) return [];
  const on: string[] = [];
  const s = (v: number | undefined, d: number) => String(v ?? d);
  if ((o.orthogonal ?? 0) > 0) {
    const scope = `${o.orthogonalActiveOnly === false ? 'all codes' : 'used codes'}${o.orthogonalMaxCodes ? `, at most ${o.orthogonalMaxCodes}` : ''}`;
    on.push(`orthogonal ${o.orthogonal} (${scope})`);
  }
  if ((o.norm ?? 0) > 0) on.push(`norm ${o.norm} (target ${s(o.normTarget, 1)})`);
  if ((o.repulsion ?? 0) > 0) on.push(`repulsion ${o.repulsion} (σ ${s(o.repulsionSigma, 1)})`);
  if ((o.varianceHinge ?? 0) > 0) on.push(`variance hinge ${o.varianceHinge} (γ ${s(o.varianceGamma, 1)})`);
  if ((o.infonce ?? 0) > 0) on.push(`InfoNCE ${o.infonce} (τ ${s(o.infonceTemperature, 0.1)})`);
  if ((o.vicregVariance ?? 0) > 0) on.push(`VICReg variance ${o.vicregVariance}`);
  if ((o.vicregCovariance ?? 0) > 0) on.push(`VICReg covariance ${o.vicregCovariance}`);
  return on.length ? [`objectives  ${on.join(', ')}`] : [];
}
