import { describe, expect, test } from 'vitest';
import { sparkIndexAt, sparkReadout, sparkX } from './spark-axis';

describe('sparkline axis', () => {
  test('the first and last frames sit at the slider thumb\'s first and last centres', () => {
    expect(sparkX(0, 12, 400)).toBe(8);
    expect(sparkX(11, 12, 400)).toBe(392);
    expect(sparkX(0, 1, 400)).toBe(200);
  });

  test('a pointer maps back to the frame drawn there, clamped', () => {
    for (const i of [0, 3, 11]) expect(sparkIndexAt(sparkX(i, 12, 400), 12, 400)).toBe(i);
    expect(sparkIndexAt(-20, 12, 400)).toBe(0);
    expect(sparkIndexAt(999, 12, 400)).toBe(11);
  });

  test('the readout names the series, the frame (1-based) and its value', () => {
    expect(sparkReadout('1 − mIoU', 4, 0.123456)).toBe('1 − mIoU · frame 5: 0.123');
    expect(sparkReadout('token change', 0, Number.NaN)).toBe('token change · frame 1: no value yet');
  });
});
