import { describe, expect, it } from 'vitest';
import { createProceduralSequence } from '../data/procedural-scene';
import { resolveTrainConfig } from './train-config';
import { SMALL_CONFIG } from './test-config';

/** The service completes a TiTok request from the frames, and refuses what cannot train. */
const seq = createProceduralSequence({ seed: 1, frames: 2, size: 32 });

describe('resolveTrainConfig for titok and the adversarial objective', () => {
  it('takes the grid from the frames, fills the defaults, trains on whole frames', () => {
    const cfg = resolveTrainConfig({ crop: 16, model: { arch: 'titok', hidden: 12, titok: { tokens: 5 } } }, SMALL_CONFIG, seq);
    expect(cfg.model.titok).toEqual({ tokens: 5, layers: 1, heads: 4, gridHeight: 8, gridWidth: 8 });
    expect(cfg.crop).toBe(0);
    // 10 is not a multiple of 4: two heads.
    expect(resolveTrainConfig({ model: { arch: 'titok', hidden: 10 } }, SMALL_CONFIG, seq).model.titok!.heads).toBe(2);
    expect(() => resolveTrainConfig({ model: { arch: 'titok', hidden: 10, titok: { heads: 4 } } }, SMALL_CONFIG, seq)).toThrow(/multiple of the heads/);
  });

  it("refuses the adversarial objective on OccWorld's net, with the reason", () => {
    expect(() => resolveTrainConfig({ model: { arch: 'occworld' }, adversarial: {} }, SMALL_CONFIG, seq)).toThrow(/no single last layer/);
    expect(resolveTrainConfig({ adversarial: { loss: 'non-saturating' } }, SMALL_CONFIG, seq).adversarial).toEqual({ loss: 'non-saturating' });
    expect(() => resolveTrainConfig({ adversarial: { loss: 'wgan' } }, SMALL_CONFIG, seq)).toThrow(/adversarial\.loss/);
  });
});
