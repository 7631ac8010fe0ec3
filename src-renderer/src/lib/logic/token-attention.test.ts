import { describe, expect, it } from 'vitest';
import { attentionOverlay, isOneD, tokenMap, tokenOfStripX } from './token-attention';

describe('1D token strip and attention', () => {
  it('tells a 1D tokenizer from a grid one', () => {
    expect(isOneD('titok', 1, 32)).toBe(true);
    expect(isOneD('reference', 1, 32)).toBe(false);
    expect(isOneD(undefined, 1, 32)).toBe(true);
    expect(isOneD(undefined, 8, 8)).toBe(false);
  });

  it('maps strip pixels to tokens', () => {
    expect(tokenOfStripX(0, 320, 32)).toBe(0);
    expect(tokenOfStripX(319.9, 320, 32)).toBe(31);
    expect(tokenOfStripX(15, 320, 32)).toBe(1);
    expect(tokenOfStripX(-1, 320, 32)).toBeNull();
  });

  it("picks one token's map and its peak cell, and draws the peak brightest", () => {
    // 2 tokens over a 2×2 grid: token 1 looks at cell (1, 0).
    const attn = Float32Array.from([0.25, 0.25, 0.25, 0.25, 0.1, 0.1, 0.7, 0.1]);
    const t = tokenMap(attn, 1, 2, 2);
    expect(t.peakCell).toEqual([1, 0]);
    expect(t.peak).toBeCloseTo(0.7);
    expect(() => tokenMap(attn, 2, 2, 2)).toThrow(/out of range/);
    const base = { width: 4, height: 4, rgba: new Uint8ClampedArray(64).fill(200) };
    const img = attentionOverlay(base, t.map, 2, 2);
    const lum = (x: number, y: number) => img.rgba[(y * 4 + x) * 4]! + img.rgba[(y * 4 + x) * 4 + 1]! + img.rgba[(y * 4 + x) * 4 + 2]!;
    // The peak cell covers pixels (0..1, 2..3) of the 4×4 base.
    expect(lum(0, 3)).toBeGreaterThan(lum(3, 0));
    expect(lum(1, 2)).toBe(lum(0, 3));
  });
});
