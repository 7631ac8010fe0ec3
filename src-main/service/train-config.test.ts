import { describe, expect, it } from 'vitest';
import { createProceduralSequence } from '../data/procedural-scene';
import { defaultTrainConfigFor, resolveTrainConfig } from './train-config';

const seq = createProceduralSequence({ frames: 2, size: 32 });

describe('training config from a front door', () => {
  it('fills the defaults, takes the input channels from the data, and keeps what was asked', () => {
    const cfg = resolveTrainConfig({ steps: 7, model: { hidden: 16 } }, defaultTrainConfigFor(seq), seq);
    expect(cfg.steps).toBe(7);
    expect(cfg.model).toEqual({ inChannels: 18, hidden: 16, latentDim: 16, stages: 2 });
    expect(cfg.crop).toBe(32);
  });

  it('switching to FSQ starts from its defaults and sets the latent width to the number of levels', () => {
    const cfg = resolveTrainConfig({ quantizer: { kind: 'fsq', levels: [8, 6, 5] } }, defaultTrainConfigFor(seq), seq);
    expect(cfg.quantizer).toEqual({ kind: 'fsq', levels: [8, 6, 5] });
    expect(cfg.model.latentDim).toBe(3);
  });

  it('refuses each bad field with its name and the value', () => {
    const base = defaultTrainConfigFor(seq);
    expect(() => resolveTrainConfig({ learningRate: -1 }, base, seq)).toThrow('startTraining: config.learningRate: too small: expected number to be >=1e-7, got -1');
    expect(() => resolveTrainConfig({ quantizer: { kind: 'fsq', levels: [1] } }, base, seq)).toThrow('startTraining: config.quantizer.levels[0]: too small: expected number to be >=2, got 1');
    expect(() => resolveTrainConfig({ quantizer: { kind: 'gvq', depth: 3 } }, base, seq)).toThrow(/latentDim 16 must split evenly into 3 groups/);
    expect(() => resolveTrainConfig({ crop: 2 }, base, seq)).toThrow(/smaller than the downsampling factor 4/);
    expect(() => resolveTrainConfig('fast', base, seq)).toThrow('startTraining: config: expected object, received string');
  });
});
