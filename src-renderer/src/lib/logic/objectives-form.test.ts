import { describe, expect, it } from 'vitest';
import { codebookOnlyActive, defaultObjectiveForm, formFromObjectives, objectivesFromForm, OBJECTIVE_FIELDS } from './objectives-form';

describe('codebook objectives form', () => {
  it('all off: nothing is sent', () => {
    expect(objectivesFromForm(defaultObjectiveForm())).toBeUndefined();
  });

  it('sends the weights above 0 with their settings, and only theirs', () => {
    const v = { ...defaultObjectiveForm(), orthogonal: 0.5, orthogonalMaxCodes: 32, orthogonalAllCodes: true, infonce: 0.1, infonceTemperature: 0.07, normTarget: 3 };
    expect(objectivesFromForm(v)).toEqual({ orthogonal: 0.5, orthogonalMaxCodes: 32, orthogonalActiveOnly: false, infonce: 0.1, infonceTemperature: 0.07 });
  });

  it('round-trips a config (a checkpoint opened, then trained again)', () => {
    const o = { orthogonal: 1, orthogonalActiveOnly: false, norm: 0.2, normTarget: 2, repulsion: 0.3, repulsionSigma: 0.5, varianceHinge: 0.4, varianceGamma: 0.6, infonce: 0.1, infonceTemperature: 0.2, vicregVariance: 0.7, vicregCovariance: 0.8 };
    expect(objectivesFromForm(formFromObjectives(o))).toEqual(o);
    // Every field of the form is a key the contract knows (the round trip touches each one).
    expect(OBJECTIVE_FIELDS.filter((f) => f.key !== 'orthogonalMaxCodes').every((f) => f.key in o)).toBe(true);
  });

  it('refuses a negative weight or a fractional max-codes, naming the field', () => {
    expect(() => objectivesFromForm({ ...defaultObjectiveForm(), repulsion: -1 })).toThrow('codebook objectives: repulsion w must be a number ≥ 0');
    expect(() => objectivesFromForm({ ...defaultObjectiveForm(), orthogonal: 1, orthogonalMaxCodes: 2.5 })).toThrow(/ortho max codes/);
    expect(() => objectivesFromForm({ ...defaultObjectiveForm(), norm: Number.NaN })).toThrow(/norm w/);
  });

  it('names the codebook-only terms for the EMA warning, not InfoNCE', () => {
    expect(codebookOnlyActive({ ...defaultObjectiveForm(), infonce: 1 })).toEqual([]);
    expect(codebookOnlyActive({ ...defaultObjectiveForm(), orthogonal: 1, vicregCovariance: 2, infonce: 1 })).toEqual(['orthogonal', 'VICReg cov']);
  });
});
