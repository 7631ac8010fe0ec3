import { describe, expect, it } from 'vitest';
import { createProceduralSequence } from '../data/procedural-scene';
import { defaultTrainConfigFor, resolveTrainConfig } from './train-config';

const seq = createProceduralSequence({ frames: 2, size: 32 });
const base = defaultTrainConfigFor(seq);

describe('hierarchical (VQ-VAE-2) training config', () => {
  it('keeps the architecture, VQ settings and sets stages to 2 (bottom 4×, top 8×)', () => {
    const cfg = resolveTrainConfig({ model: { arch: 'hierarchical', hidden: 16 }, quantizer: { codebookSize: 64 } }, { ...base, model: { ...base.model, stages: 3 } }, seq);
    expect(cfg.model).toEqual({ inChannels: 18, hidden: 16, latentDim: 16, stages: 2, arch: 'hierarchical' });
    expect(cfg.quantizer.kind).toBe('vq');
    expect(cfg.quantizer.codebookSize).toBe(64);
  });

  it('refuses what VQ-VAE-2 does not define, naming the field', () => {
    const h = (patch: Record<string, unknown>) => resolveTrainConfig({ ...patch, model: { arch: 'hierarchical', ...((patch.model as object) ?? {}) } }, base, seq);
    expect(() => h({ model: { stages: 3 } })).toThrow(/config\.model\.stages: .*\(stages 2\), got 3/);
    expect(() => h({ quantizer: { kind: 'fsq', levels: [8, 5, 5] } })).toThrow(/config\.quantizer\.kind: .* VQ, got fsq/);
    expect(() => h({ model: { hidden: 15 } })).toThrow(/config\.model\.hidden: .* must be even, got 15/);
    expect(() => h({ crop: 12 })).toThrow(/config\.crop: .* multiple of 8, got 12/);
    const odd = createProceduralSequence({ frames: 1, size: 36 });
    expect(() => resolveTrainConfig({ model: { arch: 'hierarchical' }, crop: 0 }, defaultTrainConfigFor(odd), odd)).toThrow(/36×36 .* factor 8: set a crop/);
  });
});
