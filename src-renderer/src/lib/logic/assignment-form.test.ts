import { describe, expect, it } from 'vitest';
import { assignmentFields, assignmentFormFrom, DEFAULT_ASSIGNMENT_FORM, vqOptionsFor } from './assignment-form';
import { flattenMetrics } from './series';

describe('training form: VQ assignment', () => {
  it('hard sends only the assignment; soft the schedule and gap; gumbel also its sample and KL weight', () => {
    expect(assignmentFields(DEFAULT_ASSIGNMENT_FORM)).toEqual({ assignment: 'hard' });
    expect(assignmentFields({ ...DEFAULT_ASSIGNMENT_FORM, assignment: 'soft', tauStart: 2, tauEnd: 0.5, schedule: 'linear', gapEvery: 5 })).toEqual({
      assignment: 'soft',
      temperature: { start: 2, end: 0.5, schedule: 'linear' },
      gapEvery: 5,
    });
    expect(assignmentFields({ ...DEFAULT_ASSIGNMENT_FORM, assignment: 'gumbel', tauSteps: 300, gumbelHard: false, klWeight: 0.01 })).toEqual({
      assignment: 'gumbel',
      temperature: { start: 1, end: 0.0625, schedule: 'exponential', steps: 300 },
      gapEvery: 10,
      gumbelHard: false,
      klWeight: 0.01,
    });
  });

  it('round-trips a saved config back into the form', () => {
    const q = { kind: 'vq' as const, assignment: 'gumbel' as const, temperature: { start: 3, end: 0.1, steps: 50, schedule: 'linear' as const }, gumbelHard: false, klWeight: 0.2, gapEvery: 4 };
    const f = assignmentFormFrom(q);
    expect(f).toEqual({ assignment: 'gumbel', tauStart: 3, tauEnd: 0.1, tauSteps: 50, schedule: 'linear', gumbelHard: false, klWeight: 0.2, gapEvery: 4 });
    expect({ kind: 'vq', ...assignmentFields(f) }).toEqual(q);
    expect(assignmentFormFrom({ kind: 'vq' })).toEqual(DEFAULT_ASSIGNMENT_FORM);
  });

  it('refuses bad fields by name and leaves EMA / k-means / β out for gumbel', () => {
    expect(() => assignmentFields({ ...DEFAULT_ASSIGNMENT_FORM, assignment: 'soft', tauEnd: 0 })).toThrow(/τ end must be a positive number/);
    expect(() => assignmentFields({ ...DEFAULT_ASSIGNMENT_FORM, assignment: 'soft', tauSteps: -1 })).toThrow(/anneal steps/);
    expect(() => assignmentFields({ ...DEFAULT_ASSIGNMENT_FORM, assignment: 'gumbel', klWeight: Number.NaN })).toThrow(/KL weight/);
    const vq = { beta: 0.25, ema: true, kmeansInit: true, reseed: 'random' as const };
    expect(vqOptionsFor('gumbel', vq)).toEqual({});
    expect(vqOptionsFor('soft', vq)).toEqual(vq);
  });

  it('the curves get τ and the soft-vs-hard gap when a run reports them', () => {
    const base = { step: 3, totalSteps: 10, loss: 1, reconLoss: 0.9, quantLoss: { kl: 0.1 }, perplexity: 4, utilization: 0.5, deadCodes: 2, bitsPerToken: 4, compressionRatio: 10, msPerStep: 5, etaSeconds: 1 };
    expect(flattenMetrics(base)).not.toHaveProperty('gap');
    const flat = flattenMetrics({ ...base, temperature: 0.5, softHardGap: 0.03, softHardGapStep: 2 });
    expect(flat.temperature).toBe(0.5);
    expect(flat.gap).toBe(0.03);
  });
});
