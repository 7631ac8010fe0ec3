/**
 * The training form's "codebook objectives" fields (CodebookObjectivesForm.svelte): what each
 * input is, the values a config gives them, and the contract's `quantizer.objectives` they give
 * back. A weight of 0 is "off" and is not sent; a term's settings are sent with its weight only.
 */
import type { CodebookObjectives } from '../../../../src-main/contract/index';

type NumberKey = Exclude<keyof CodebookObjectives, 'orthogonalActiveOnly'>;

export interface ObjectiveField {
  key: NumberKey;
  label: string;
  /** The weight this setting belongs to (absent: the field is a weight). */
  of?: NumberKey;
  step: number;
  min: number;
  title: string;
  /** Acts on the codebook alone: nothing to do for an EMA codebook. */
  codebookOnly?: boolean;
}

export const OBJECTIVE_FIELDS: readonly ObjectiveField[] = [
  { key: 'orthogonal', label: 'orthogonal w', step: 0.01, min: 0, codebookOnly: true, title: 'orthogonality of the used codes: Σ cos²(eᵢ, eⱼ) / n² − 1/n (vector-quantize-pytorch)' },
  { key: 'orthogonalMaxCodes', of: 'orthogonal', label: 'ortho max codes', step: 1, min: 0, title: 'at most this many used codes, sampled each step (0: all)' },
  { key: 'norm', label: 'norm w', step: 0.01, min: 0, codebookOnly: true, title: 'norm control: mean (‖e‖ − target)²' },
  { key: 'normTarget', of: 'norm', label: 'norm target', step: 0.1, min: 0, title: 'the code norm aimed at' },
  { key: 'repulsion', label: 'repulsion w', step: 0.01, min: 0, codebookOnly: true, title: 'soft repulsion: mean over pairs of exp(−‖eᵢ − eⱼ‖² / σ²)' },
  { key: 'repulsionSigma', of: 'repulsion', label: 'repulsion σ', step: 0.1, min: 0, title: 'length scale of the repulsion' },
  { key: 'varianceHinge', label: 'var hinge w', step: 0.01, min: 0, codebookOnly: true, title: 'variance hinge: mean over dimensions of max(0, γ − std)²' },
  { key: 'varianceGamma', of: 'varianceHinge', label: 'var hinge γ', step: 0.1, min: 0, title: 'the per-dimension std the codebook should reach' },
  { key: 'infonce', label: 'InfoNCE w', step: 0.01, min: 0, title: 'contrastive: each latent against its code, the other codes as negatives (also trains the encoder; works with EMA)' },
  { key: 'infonceTemperature', of: 'infonce', label: 'InfoNCE τ', step: 0.01, min: 0, title: 'temperature of the cosine logits' },
  { key: 'vicregVariance', label: 'VICReg var w', step: 0.01, min: 0, codebookOnly: true, title: "VICReg's variance term on the codebook: mean max(0, 1 − √(Var + 1e-4))" },
  { key: 'vicregCovariance', label: 'VICReg cov w', step: 0.01, min: 0, codebookOnly: true, title: "VICReg's covariance term on the codebook: Σ off-diagonal cov² / D" },
];

export type ObjectiveFormValues = Record<NumberKey, number> & { orthogonalAllCodes: boolean };

/** Off, with the engine's default settings (codebook-objectives.ts: OBJECTIVE_DEFAULTS). */
export function defaultObjectiveForm(): ObjectiveFormValues {
  return {
    orthogonal: 0,
    orthogonalMaxCodes: 0,
    orthogonalAllCodes: false,
    norm: 0,
    normTarget: 1,
    repulsion: 0,
    repulsionSigma: 1,
    varianceHinge: 0,
    varianceGamma: 1,
    infonce: 0,
    infonceTemperature: 0.1,
    vicregVariance: 0,
    vicregCovariance: 0,
  };
}

/** The form's values for a config's objectives (a loaded checkpoint, the service's defaults). */
export function formFromObjectives(o: CodebookObjectives | undefined): ObjectiveFormValues {
  const v = defaultObjectiveForm();
  for (const f of OBJECTIVE_FIELDS) {
    const x = o?.[f.key];
    if (typeof x === 'number') v[f.key] = x;
  }
  v.orthogonalAllCodes = o?.orthogonalActiveOnly === false;
  return v;
}

/** The weights above 0 and their settings; undefined when all are off. A bad entry throws, naming it. */
export function objectivesFromForm(v: ObjectiveFormValues): CodebookObjectives | undefined {
  const out: CodebookObjectives = {};
  for (const f of OBJECTIVE_FIELDS) {
    const x = v[f.key];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < f.min) throw new Error(`codebook objectives: ${f.label} must be a number ≥ ${f.min}`);
  }
  for (const f of OBJECTIVE_FIELDS) {
    const weight = v[f.of ?? f.key];
    if (!(weight > 0)) continue;
    if (f.key === 'orthogonalMaxCodes') {
      if (v.orthogonalMaxCodes > 0) {
        if (!Number.isInteger(v.orthogonalMaxCodes) || v.orthogonalMaxCodes < 2) throw new Error('codebook objectives: ortho max codes must be 0 (all) or an integer ≥ 2');
        out.orthogonalMaxCodes = v.orthogonalMaxCodes;
      }
      continue;
    }
    out[f.key] = v[f.key];
  }
  if (v.orthogonal > 0 && v.orthogonalAllCodes) out.orthogonalActiveOnly = false;
  return Object.keys(out).length ? out : undefined;
}

/** The codebook-only terms switched on, for the form's EMA warning (empty: nothing to warn about). */
export function codebookOnlyActive(v: ObjectiveFormValues): string[] {
  return OBJECTIVE_FIELDS.filter((f) => f.codebookOnly && v[f.key] > 0).map((f) => f.label.replace(/ w$/, ''));
}
