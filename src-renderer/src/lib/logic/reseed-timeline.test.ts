import { describe, expect, it } from 'vitest';
import { describeReseed, reseedHeadline, reseedTotals, timelineMarks, RESEED_COLORS } from './reseed-timeline';
import { defaultDynamicsForm, dynamicsFormFrom, dynamicsQuantizerFields, dynamicsTrainFields } from './codebook-dynamics-form';
import type { ReseedEvent } from '../../../../src-main/contract/index';

const EVENTS: ReseedEvent[] = [
  { step: 10, codes: [3], source: 'batch' },
  { step: 50, codes: [17, 21, 30, 31], source: 'split', from: [4, 4, 9, 2] },
  { step: 100, codes: [5, 6], source: 'reservoir', level: 1 },
];

describe('reseed timeline', () => {
  it('places events along the run, taller for more codes, coloured by source', () => {
    const m = timelineMarks(EVENTS, 200);
    expect(m.map((x) => x.x)).toEqual([0.05, 0.25, 0.5]);
    expect(m.map((x) => x.h)).toEqual([0.25, 1, 0.5]);
    expect(m[1]!.color).toBe(RESEED_COLORS.split);
    // A run longer than totalSteps says (a resumed one) stretches the axis to its last event.
    expect(timelineMarks(EVENTS, 50).at(-1)!.x).toBe(1);
    expect(timelineMarks([], 100)).toEqual([]);
  });

  it('describes which codes and from what', () => {
    expect(describeReseed(EVENTS[1]!)).toBe('step 50 · split of popular codes · 4 codes: 17←4, 21←4, 30←9, 31←2');
    expect(describeReseed(EVENTS[2]!)).toBe('step 100 · level 1 · from the reservoir of recent latents · 2 codes: 5, 6');
    expect(describeReseed({ step: 1, codes: [1, 2, 3], source: 'batch' }, 2)).toBe("step 1 · from the batch's worst-fit latents · 3 codes: 1, 2 +1 more");
    expect(reseedHeadline(EVENTS[0]!)).toBe("step 10 · from the batch's worst-fit latents · 1 code");
    expect(reseedTotals(EVENTS)).toEqual({ batch: 1, reservoir: 2, split: 4 });
  });
});

describe('codebook dynamics form', () => {
  it('round-trips a config through the form', () => {
    const cfg = {
      quantizer: { kind: 'vq' as const, deadCodeThreshold: 0.5, deadAfterSteps: 20, reseedPool: 'reservoir' as const, reseedPoolSize: 512, reseedNoise: 0.01, jitter: 0.1, rotationTrick: true, betaSchedule: { start: 1, end: 0.25, steps: 300 } },
      codebookLearningRate: 1e-4,
    };
    const f = dynamicsFormFrom(cfg);
    const { kind: _k, ...q } = cfg.quantizer;
    expect(dynamicsQuantizerFields(f)).toEqual(q);
    expect(dynamicsTrainFields(f)).toEqual({ codebookLearningRate: 1e-4 });
  });

  it('leaves the schedule and codebook lr out unless asked, and refuses bad values', () => {
    const f = defaultDynamicsForm();
    expect(dynamicsQuantizerFields(f).betaSchedule).toBeUndefined();
    expect(dynamicsTrainFields(f)).toEqual({});
    expect(() => dynamicsTrainFields({ ...f, codebookLr: 'fast' })).toThrow(/codebook lr: expected a number/);
    expect(() => dynamicsQuantizerFields({ ...f, schedule: true, betaSteps: 0 })).toThrow(/steps must be an integer ≥ 1/);
  });
});
