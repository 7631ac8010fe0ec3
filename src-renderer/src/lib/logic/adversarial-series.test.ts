import { describe, expect, it } from 'vitest';
import type { TrainMetrics } from '../../../../src-main/contract/index';
import { adversarialChartSeries, flattenAdversarial } from './adversarial-series';
import { appendMetrics, emptyColumns } from './series';

const base = (step: number): TrainMetrics => ({
  step,
  totalSteps: 3,
  loss: 1,
  reconLoss: 0.5,
  quantLoss: { total: 0.5 },
  perplexity: 2,
  utilization: 0.5,
  deadCodes: 1,
  bitsPerToken: 4,
  compressionRatio: 10,
  msPerStep: 5,
  etaSeconds: 0,
});

describe('adversarial training curves', () => {
  it('flattens G/D/λ and leaves steps before the start step empty (NaN)', () => {
    let cols = emptyColumns();
    cols = appendMetrics(cols, base(1));
    cols = appendMetrics(cols, { ...base(2), adversarial: { gLoss: -0.2, dLoss: 0.9, lambda: 4.5, logitsReal: 0.1, logitsFake: 0.2, featureMatching: 0 } });
    expect(cols.values.get('adv.lambda')).toEqual([Number.NaN, 4.5]);
    expect(cols.values.get('adv.d')).toEqual([Number.NaN, 0.9]);
    const s = adversarialChartSeries(cols.values, ['adv.g', 'adv.d', 'adv.fm'], ['#a', '#b']);
    expect(s.map((x) => x.label)).toEqual(['G loss', 'D loss', 'feature matching']);
    expect(s[2]!.color).toBe('#a');
    expect(flattenAdversarial(base(3))).toEqual({});
  });
});
