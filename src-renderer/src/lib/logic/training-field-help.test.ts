import { describe, expect, test } from 'vitest';
import { helpFor } from './training-field-help';

describe('training field help', () => {
  test('a label finds its help by its leading words, the longest key winning', () => {
    expect(helpFor('codebook K 512')).toMatch(/Number of codes/);
    expect(helpFor('  latent D\n   32 ')).toMatch(/Dimension of each latent/);
    expect(helpFor('k-means init')).toMatch(/k-means/);
    expect(helpFor('β 0.25')).toMatch(/Commitment/);
    // "steps" is a key; "stages" must not match it, nor "stepsize" either.
    expect(helpFor('stages 2')).toMatch(/Down-sampling/);
    expect(helpFor('stepsize')).toBeNull();
  });
});
