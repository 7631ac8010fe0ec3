import { describe, expect, it } from 'vitest';
import type { TrainMetrics } from '../../../../src-main/contract/index';
import { appendMetrics, emptyColumns, sortedUsage } from './series';
import { formatEta, parseLevels } from './format';
import { shortcutFor } from './shortcuts';

const metrics = (step: number, extra: Partial<TrainMetrics> = {}): TrainMetrics => ({
  step,
  totalSteps: 10,
  loss: 1 / step,
  reconLoss: 0.5 / step,
  quantLoss: { codebook: 0.1, commitment: 0.02 },
  perplexity: 10 + step,
  utilization: 0.5,
  deadCodes: 3,
  bitsPerToken: 9,
  compressionRatio: 12,
  msPerStep: 100,
  etaSeconds: 5,
  ...extra,
});

describe('appendMetrics', () => {
  it('keeps one column per metric, aligned on steps, with every quantizer loss part', () => {
    let c = emptyColumns();
    c = appendMetrics(c, metrics(1));
    c = appendMetrics(c, metrics(2, { quantLoss: { codebook: 0.1, commitment: 0.02, entropy: 0.3 } }));
    c = appendMetrics(c, metrics(2)); // duplicate step ignored
    expect(c.step).toEqual([1, 2]);
    expect(c.values.get('perplexity')).toEqual([11, 12]);
    expect(c.values.get('quant.commitment')).toEqual([0.02, 0.02]);
    expect(c.values.get('quant.entropy')!.map((v) => (Number.isNaN(v) ? 'nan' : v))).toEqual(['nan', 0.3]);
  });

  it('starts fresh curves when a new run restarts at a lower step', () => {
    let c = emptyColumns();
    for (const s of [1, 2, 3]) c = appendMetrics(c, metrics(s));
    c = appendMetrics(c, metrics(1));
    expect(c.step).toEqual([1]);
  });
});

describe('helpers', () => {
  it('sorts usage with the code ids of each bar', () => {
    const r = sortedUsage(new Float32Array([2, 9, 0, 5]), new Int32Array([10, 11, 12, 13]));
    expect(Array.from(r.counts)).toEqual([9, 5, 2, 0]);
    expect(Array.from(r.codes)).toEqual([11, 13, 10, 12]);
  });

  it('formats ETA and parses FSQ levels with one clear error', () => {
    expect(formatEta(42)).toBe('42s');
    expect(formatEta(3725)).toBe('1h 02m');
    expect(formatEta(undefined)).toBe('–');
    expect(parseLevels('8, 5,5 5')).toEqual([8, 5, 5, 5]);
    expect(() => parseLevels('8,1')).toThrow(/integers ≥ 2/);
  });

  it('maps keys to shortcuts, but not while typing in a text field', () => {
    expect(shortcutFor({ key: 'ArrowRight' })).toBe('next');
    expect(shortcutFor({ key: ' ', targetTag: 'BUTTON' })).toBe('play');
    expect(shortcutFor({ key: 'ArrowRight', targetTag: 'INPUT', targetType: 'text' })).toBeNull();
    expect(shortcutFor({ key: 'ArrowRight', targetTag: 'INPUT', targetType: 'range' })).toBe('next');
    expect(shortcutFor({ key: 'Escape', targetTag: 'INPUT', targetType: 'text' })).toBe('escape');
    expect(shortcutFor({ key: 'r', ctrlKey: true })).toBeNull();
  });
});
