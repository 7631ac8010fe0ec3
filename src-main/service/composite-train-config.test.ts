import { describe, expect, it } from 'vitest';
import { createProceduralSequence } from '../data/procedural-scene';
import { defaultTrainConfigFor, resolveTrainConfig } from './train-config';

const seq = createProceduralSequence({ frames: 2, size: 32 });
const base = defaultTrainConfigFor(seq);

describe('composite quantizers from a front door', () => {
  it('each kind starts from working defaults', () => {
    const mh = resolveTrainConfig({ quantizer: { kind: 'mhvq' } }, base, seq);
    expect(mh.quantizer).toMatchObject({ kind: 'mhvq', depth: 4, compose: 'concat', projection: 'learned' });
    const rf = resolveTrainConfig({ quantizer: { kind: 'rfsq' } }, base, seq);
    expect(rf.quantizer).toEqual({ kind: 'rfsq', levels: [8, 5, 5, 5], depth: 3 });
    expect(rf.model.latentDim).toBe(4);
    const rl = resolveTrainConfig({ quantizer: { kind: 'rlfq', depth: 2 } }, base, seq);
    expect(rl.quantizer).toEqual({ kind: 'rlfq', depth: 2, entropyWeight: 0.1 });
  });

  it('the latent width follows residual FSQ levels; a codebook size is dropped where it is implied', () => {
    const rf = resolveTrainConfig({ quantizer: { kind: 'rfsq', levels: [5, 5, 5], depth: 2, codebookSize: 64 } }, base, seq);
    expect(rf.model.latentDim).toBe(3);
    expect(rf.quantizer.codebookSize).toBeUndefined();
  });

  it('refuses what cannot be built, naming the field', () => {
    expect(() => resolveTrainConfig({ quantizer: { kind: 'mhvq', depth: 3 } }, base, seq)).toThrow(/latentDim 16 must split evenly into 3 heads/);
    expect(() => resolveTrainConfig({ quantizer: { kind: 'mhvq', compose: 'sum', cosine: true } }, base, seq)).toThrow(/cosine codebook cannot be summed/);
    expect(() => resolveTrainConfig({ model: { latentDim: 24 }, quantizer: { kind: 'rlfq' } }, base, seq)).toThrow(/rlfq has one bit per latent dimension/);
    expect(() => resolveTrainConfig({ quantizer: { kind: 'mhvq', compose: 'stack' } }, base, seq)).toThrow(/compose/);
    expect(() => resolveTrainConfig({ quantizer: { kind: 'mhvq', disentangleWeight: -1 } }, base, seq)).toThrow(/disentangleWeight/);
    // A sum of heads needs no divisibility.
    expect(resolveTrainConfig({ quantizer: { kind: 'mhvq', depth: 3, compose: 'sum' } }, base, seq).quantizer.depth).toBe(3);
  });
});
