/**
 * The training form's VQ assignment fields (hard / soft / Gumbel-softmax, the temperature
 * schedule, the Gumbel sample and prior weight, the gap measurement) ⇄ the quantizer config.
 * Plain functions so the form's logic is unit-tested without a browser.
 */
import type { QuantizerConfig } from '../../../../src-main/contract/index';

export interface AssignmentForm {
  assignment: 'hard' | 'soft' | 'gumbel';
  tauStart: number;
  tauEnd: number;
  /** Anneal length in steps; 0 = the whole run. */
  tauSteps: number;
  schedule: 'linear' | 'exponential';
  /** Gumbel: straight-through hard sample (taming's default) or the soft sample. */
  gumbelHard: boolean;
  klWeight: number;
  gapEvery: number;
}

export const DEFAULT_ASSIGNMENT_FORM: AssignmentForm = {
  assignment: 'hard',
  tauStart: 1,
  tauEnd: 0.0625,
  tauSteps: 0,
  schedule: 'exponential',
  gumbelHard: true,
  klWeight: 0.1,
  gapEvery: 10,
};

/** The form's fields from a config (a loaded checkpoint's or the service's defaults). */
export function assignmentFormFrom(q: QuantizerConfig | undefined): AssignmentForm {
  const f = { ...DEFAULT_ASSIGNMENT_FORM };
  if (!q) return f;
  if (q.assignment) f.assignment = q.assignment;
  if (q.temperature) {
    f.tauStart = q.temperature.start;
    f.tauEnd = q.temperature.end;
    f.tauSteps = q.temperature.steps ?? 0;
    f.schedule = q.temperature.schedule ?? f.schedule;
  }
  if (q.gumbelHard !== undefined) f.gumbelHard = q.gumbelHard;
  if (q.klWeight !== undefined) f.klWeight = q.klWeight;
  if (q.gapEvery !== undefined) f.gapEvery = q.gapEvery;
  return f;
}

/** The quantizer fields the form asks for (nothing for 'hard'); throws naming a bad field. */
export function assignmentFields(f: AssignmentForm): Partial<QuantizerConfig> {
  if (f.assignment === 'hard') return { assignment: 'hard' };
  for (const [name, v] of [['τ start', f.tauStart], ['τ end', f.tauEnd]] as const) {
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`${name} must be a positive number`);
  }
  if (!(Number.isInteger(f.tauSteps) && f.tauSteps >= 0)) throw new Error('anneal steps must be an integer ≥ 0 (0: the whole run)');
  if (!(Number.isInteger(f.gapEvery) && f.gapEvery >= 0)) throw new Error('gap every must be an integer ≥ 0 (0: never)');
  const q: Partial<QuantizerConfig> = {
    assignment: f.assignment,
    temperature: { start: f.tauStart, end: f.tauEnd, schedule: f.schedule, ...(f.tauSteps > 0 ? { steps: f.tauSteps } : {}) },
    gapEvery: f.gapEvery,
  };
  if (f.assignment === 'gumbel') {
    if (!(Number.isFinite(f.klWeight) && f.klWeight >= 0)) throw new Error('KL weight must be a number ≥ 0');
    q.gumbelHard = f.gumbelHard;
    q.klWeight = f.klWeight;
  }
  return q;
}

/**
 * The VQ options the form sends besides the assignment: a Gumbel quantizer has no β, EMA,
 * k-means or reseeding (its codes are picked by logits), so those are left out for it.
 */
export function vqOptionsFor(assignment: AssignmentForm['assignment'], vq: Pick<QuantizerConfig, 'beta' | 'ema' | 'kmeansInit' | 'reseed'>): Partial<QuantizerConfig> {
  return assignment === 'gumbel' ? {} : { ...vq };
}
