import { describe, expect, it } from 'vitest';
import { checkTemperatureSchedule, temperatureAt } from './temperature-schedule';

describe('temperature schedule', () => {
  it('linear: start at step 0, the midpoint halfway, end at and after S', () => {
    const s = { start: 2, end: 0.5, steps: 100, schedule: 'linear' as const };
    expect(temperatureAt(s, 0, 1000)).toBe(2);
    expect(temperatureAt(s, 50, 1000)).toBeCloseTo(1.25, 12);
    expect(temperatureAt(s, 25, 1000)).toBeCloseTo(2 - 1.5 * 0.25, 12);
    expect(temperatureAt(s, 100, 1000)).toBe(0.5);
    expect(temperatureAt(s, 5000, 1000)).toBe(0.5);
  });

  it('exponential: a constant ratio per step, the geometric mean halfway', () => {
    const s = { start: 1, end: 1 / 16, steps: 40, schedule: 'exponential' as const };
    expect(temperatureAt(s, 0, 1)).toBe(1);
    expect(temperatureAt(s, 20, 1)).toBeCloseTo(0.25, 12);
    const ratios = [1, 2, 3, 30].map((i) => temperatureAt(s, i, 1) / temperatureAt(s, i - 1, 1));
    for (const r of ratios) expect(r).toBeCloseTo(Math.pow(1 / 16, 1 / 40), 12);
    expect(temperatureAt(s, 40, 1)).toBe(1 / 16);
  });

  it('exponential is the default and spans the run when steps is absent', () => {
    const s = { start: 4, end: 1 };
    expect(temperatureAt(s, 10, 20)).toBeCloseTo(2, 12);
    expect(temperatureAt(s, 20, 20)).toBe(1);
  });

  it('a warming schedule (end > start) works too, and S = 0 means end from the first step', () => {
    expect(temperatureAt({ start: 0.5, end: 1, steps: 10, schedule: 'linear' }, 5, 0)).toBeCloseTo(0.75, 12);
    expect(temperatureAt({ start: 3, end: 0.2, steps: 0 }, 0, 100)).toBe(0.2);
  });

  it('monotone between start and end for both kinds', () => {
    for (const schedule of ['linear', 'exponential'] as const) {
      const s = { start: 1, end: 0.01, steps: 200, schedule };
      let prev = Infinity;
      for (let i = 0; i <= 200; i++) {
        const t = temperatureAt(s, i, 200);
        expect(t).toBeLessThanOrEqual(prev);
        expect(t).toBeGreaterThanOrEqual(0.01);
        prev = t;
      }
    }
  });

  it('refuses temperatures that cannot run, naming the field', () => {
    expect(() => checkTemperatureSchedule({ start: 0, end: 1 })).toThrow(/start must be a positive number/);
    expect(() => checkTemperatureSchedule({ start: 1, end: -1 })).toThrow(/end must be a positive number/);
    expect(() => checkTemperatureSchedule({ start: 1, end: 1, steps: 1.5 })).toThrow(/steps must be an integer/);
    expect(() => temperatureAt({ start: 1, end: NaN }, 0, 1)).toThrow(/end/);
  });
});
