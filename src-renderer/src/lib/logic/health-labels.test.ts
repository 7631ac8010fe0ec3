import { describe, expect, test } from 'vitest';
import type { CodebookView, TrainMetrics } from '../../../../src-main/contract/index';
import { codeUsageSummary } from '../../../../src-main/contract/metric-windows';
import { sequenceHealth, trainingHealth } from './health-labels';

const metrics = (over: Partial<TrainMetrics>): TrainMetrics => ({
  step: 10, totalSteps: 100, loss: 1, reconLoss: 1, quantLoss: { total: 0 }, perplexity: 12.34, utilization: 0.25, deadCodes: 192,
  bitsPerToken: 8, compressionRatio: 4, msPerStep: 1, etaSeconds: 1, ...over,
});

describe('health labels', () => {
  test('the training figures name their window, and say when it is still filling', () => {
    const full = trainingHealth(metrics({ healthBatches: 50, healthWindow: 50 }), 256);
    expect(full.window).toBe('last 50 training batches');
    expect(full.figures).toBe('64 of 256 used · util 25.0% · ppl 12.3 · 192 dead');
    const filling = trainingHealth(metrics({ healthBatches: 7, healthWindow: 50 }), 256);
    expect(filling.window).toMatch(/last 7 training batches, window of 50 filling/);
    expect(filling.tooltip).toMatch(/codes not used at all in the window; window: last 7/);
  });

  test('the sequence figures come from the same formulas as the trainer\'s', () => {
    const usage = new Float32Array([5, 0, 3, 0, 0, 8, 0, 0]);
    const cb: CodebookView = { codes: new Float32Array(16), size: 8, dim: 2, usage, dead: [1, 3, 4, 6, 7] };
    const h = sequenceHealth(cb, 12);
    expect(h.window).toBe('whole sequence (12 frames)');
    expect(h.used).toBe(3);
    expect(h.dead).toBe(5);
    expect(h.utilization).toBeCloseTo(3 / 8);
    // exp(entropy) of [5, 3, 8] / 16
    const p = [5 / 16, 3 / 16, 8 / 16];
    expect(h.perplexity).toBeCloseTo(Math.exp(-p.reduce((s, q) => s + q * Math.log(q), 0)));
    expect(codeUsageSummary(usage).perplexity).toBeCloseTo(h.perplexity);
  });

  test('an implicit codebook is measured against its whole lattice, not the codes it lists', () => {
    const cb: CodebookView = { codes: new Float32Array(6), size: 3, dim: 2, usage: new Float32Array([1, 1, 2]), dead: [], ids: new Int32Array([4, 9, 17]) };
    const h = sequenceHealth(cb, 2, 1000);
    expect(h.used).toBe(3);
    expect(h.dead).toBe(997);
    expect(h.utilization).toBeCloseTo(0.003);
  });
});
