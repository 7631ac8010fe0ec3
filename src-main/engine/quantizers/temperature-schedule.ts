/**
 * The temperature τ of soft and Gumbel-softmax assignment over a training run. Annealing from a
 * warm start (τ ≈ 1: every code gets gradient) to a cold end (τ → 0: the soft assignment tends
 * to the hard one the tokenizer uses at inference) is how DALL-E's dVAE (1 → 1/16) and
 * taming-transformers' GumbelQuantize are trained.
 *
 * - linear:       τ(s) = start + (end − start)·s/S
 * - exponential:  τ(s) = start·(end/start)^(s/S)   (a constant factor per step)
 * with s the number of steps already taken and S the anneal length; τ = end from s ≥ S on
 * (S = 0: end from the first step).
 */
export type TemperatureScheduleKind = 'linear' | 'exponential';

export interface TemperatureSchedule {
  start: number;
  end: number;
  /** Anneal length S in steps; absent: the run's own length. */
  steps?: number;
  schedule?: TemperatureScheduleKind;
}

/** DALL-E's dVAE anneal: 1 → 1/16, exponential. */
export const DEFAULT_TEMPERATURE: Required<Omit<TemperatureSchedule, 'steps'>> = { start: 1, end: 1 / 16, schedule: 'exponential' };

/** Throws a clear error for a schedule that cannot run (non-positive τ, negative or fractional S). */
export function checkTemperatureSchedule(s: TemperatureSchedule, where = 'temperature'): void {
  for (const k of ['start', 'end'] as const) {
    if (!(Number.isFinite(s[k]) && s[k] > 0)) throw new Error(`${where}: ${k} must be a positive number, got ${s[k]}`);
  }
  if (s.steps !== undefined && !(Number.isSafeInteger(s.steps) && s.steps >= 0)) {
    throw new Error(`${where}: steps must be an integer ≥ 0, got ${s.steps}`);
  }
  if (s.schedule !== undefined && s.schedule !== 'linear' && s.schedule !== 'exponential') {
    throw new Error(`${where}: schedule must be 'linear' or 'exponential', got ${String(s.schedule)}`);
  }
}

/**
 * τ after `step` steps (0 for the first step of a run). `runSteps` stands in for an absent
 * `steps`, so that by default the anneal spans the whole run.
 */
export function temperatureAt(s: TemperatureSchedule, step: number, runSteps: number): number {
  checkTemperatureSchedule(s);
  const S = s.steps ?? runSteps;
  if (step >= S) return s.end;
  const f = Math.max(0, step) / S;
  return (s.schedule ?? DEFAULT_TEMPERATURE.schedule) === 'linear' ? s.start + (s.end - s.start) * f : s.start * Math.pow(s.end / s.start, f);
}
