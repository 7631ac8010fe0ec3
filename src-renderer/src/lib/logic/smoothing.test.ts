import { describe, expect, test } from 'vitest';
import { smoothEma } from './smoothing';

describe('smoothEma', () => {
  test('weight 0 is the identity; a constant stays constant from the first point (debiased)', () => {
    expect(smoothEma([3, 1, 2], 0)).toEqual([3, 1, 2]);
    for (const v of smoothEma([5, 5, 5, 5], 0.9)) expect(v).toBeCloseTo(5);
  });

  test('a spike is damped and the values follow the recursion', () => {
    const s = smoothEma([1, 1, 10, 1], 0.5);
    // debiased EMA: m_t = 0.5 m_{t-1} + 0.5 x_t, divided by 1 - 0.5^t
    const m = [0.5, 0.75, 5.375, 3.1875];
    const expected = m.map((v, i) => v / (1 - 0.5 ** (i + 1)));
    s.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!));
    expect(s[2]!).toBeLessThan(10);
  });

  test('non-finite values pass through without poisoning the rest', () => {
    const s = smoothEma([1, Number.NaN, 1], 0.5);
    expect(Number.isNaN(s[1]!)).toBe(true);
    expect(s[2]).toBeCloseTo(1);
  });
});
