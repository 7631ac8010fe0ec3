import { describe, expect, it } from 'vitest';
import { normalizePoints, pickNearestOnScreen, sizesFromUsage } from './projection';

describe('normalizePoints', () => {
  it('centres on the mean and fits the unit ball', () => {
    const p = normalizePoints(new Float32Array([10, 10, 10, 14, 10, 10, 12, 13, 10]), 3);
    let max = 0;
    const mean = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      max = Math.max(max, Math.hypot(p[i * 3]!, p[i * 3 + 1]!, p[i * 3 + 2]!));
      for (let a = 0; a < 3; a++) mean[a]! += p[i * 3 + a]! / 3;
    }
    expect(max).toBeCloseTo(1, 5);
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(1e-6);
  });
});

describe('pickNearestOnScreen', () => {
  // An orthographic-like MVP: identity (clip = world), so x,y in [-1,1] map to the whole screen.
  const I = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  const pts = new Float32Array([-0.5, 0.5, 0, 0.5, -0.5, 0, 0.52, -0.5, -0.5]);

  it('returns the point under the cursor, in front when two overlap', () => {
    // (-0.5, 0.5) → screen (50, 50) on a 200×200 view; y goes down.
    expect(pickNearestOnScreen(pts, 3, I, 200, 200, 51, 49, 6)).toBe(0);
    // Points 1 and 2 are 2 px apart; the cursor is between them, point 2 is in front (smaller z).
    expect(pickNearestOnScreen(pts, 3, I, 200, 200, 151, 150, 6)).toBe(2);
    expect(pickNearestOnScreen(pts, 3, I, 200, 200, 150, 150, 6)).toBe(1);
  });

  it('returns -1 when nothing is within the radius', () => {
    expect(pickNearestOnScreen(pts, 3, I, 200, 200, 100, 100, 6)).toBe(-1);
  });
});

describe('sizesFromUsage', () => {
  it('is monotone in usage and spans min..max', () => {
    const s = sizesFromUsage(new Float32Array([0, 1, 10, 1000]), 2, 9);
    expect(s[0]).toBe(2);
    expect(s[3]).toBeCloseTo(9, 5);
    expect(s[1]!).toBeLessThan(s[2]!);
  });
});
