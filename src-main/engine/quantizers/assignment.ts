/**
 * What the trainer needs from a quantizer whose training-time assignment is relaxed (soft or
 * Gumbel-softmax): the temperature τ of the current step, set before the forward pass. Kept
 * apart from the Quantizer interface so hard quantizers need nothing new.
 */
import type { Quantizer } from './quantizer';

export type Assignment = 'hard' | 'soft' | 'gumbel';

export interface TemperatureQuantizer {
  readonly assignment: Exclude<Assignment, 'hard'>;
  /** τ for the next training forward passes (must be > 0). */
  setTemperature(t: number): void;
  readonly temperature: number;
}

/** The quantizer as a relaxed one, or null for a hard quantizer. */
export function relaxed(q: Quantizer): TemperatureQuantizer | null {
  const r = q as Partial<TemperatureQuantizer>;
  return typeof r.setTemperature === 'function' && (r.assignment === 'soft' || r.assignment === 'gumbel') ? (r as TemperatureQuantizer) : null;
}

export function checkTemperature(t: number, who: string): void {
  if (!(Number.isFinite(t) && t > 0)) throw new Error(`${who}: temperature must be a positive number, got ${t}`);
}
