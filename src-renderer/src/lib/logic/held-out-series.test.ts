/** The training chart's "held-out recon" series: present from the first evaluation on, absent before. */
import { describe, expect, it } from 'vitest';
import type { TrainMetrics } from '../../../../src-main/contract/index';
import { appendMetrics, emptyColumns } from './series';

const base = (step: number): TrainMetrics => ({
  step, totalSteps: 10, loss: 1 / step, reconLoss: 0.5 / step, quantLoss: {}, perplexity: 3, utilization: 0.2, deadCodes: 5,
  bitsPerToken: 4, compressionRatio: 10, msPerStep: 1, etaSeconds: 0,
});

describe('held-out series', () => {
  it('is NaN before the first evaluation, then the latest evaluation at every step', () => {
    let cols = emptyColumns();
    cols = appendMetrics(cols, base(1));
    cols = appendMetrics(cols, { ...base(2), heldOutRecon: 0.7, heldOutMiou: 0.4, heldOutStep: 2 });
    cols = appendMetrics(cols, { ...base(3), heldOutRecon: 0.7, heldOutMiou: 0.4, heldOutStep: 2 });
    cols = appendMetrics(cols, { ...base(4), heldOutRecon: 0.6, heldOutMiou: 0.5, heldOutStep: 4 });
    expect(cols.values.get('heldOutRecon')).toEqual([NaN, 0.7, 0.7, 0.6]);
    expect(cols.values.get('heldOutMiou')).toEqual([NaN, 0.4, 0.4, 0.5]);
  });
});
