import { describe, expect, it } from 'vitest';
import { columnsOfHistory, mergeOnSteps } from './curve-overlay';
import type { TrainMetrics } from '../../../../src-main/contract/index';

const m = (step: number, loss: number) => ({ step, totalSteps: 10, loss, reconLoss: loss, quantLoss: {}, perplexity: 1, utilization: 1, deadCodes: 0, bitsPerToken: 1, compressionRatio: 1, msPerStep: 1, etaSeconds: 0 }) as TrainMetrics;

describe('two runs\' curves on one step axis', () => {
  it('union of steps, each run NaN where it has no point', () => {
    const a = columnsOfHistory([m(1, 5), m(3, 4)]);
    const b = columnsOfHistory([m(2, 9), m(3, 8), m(4, 7)]);
    const r = mergeOnSteps(a, b, ['loss', 'missing']);
    expect(r.step).toEqual([1, 2, 3, 4]);
    expect(r.a.get('loss')).toEqual([5, NaN, 4, NaN]);
    expect(r.b.get('loss')).toEqual([NaN, 9, 8, 7]);
    expect(r.a.has('missing')).toBe(false);
  });
});
