import { describe, expect, it } from 'vitest';
import { codeColorsFromProjection, codeRowLookup, hashedCodeColor, labToRgb, renderTokenGrid } from './token-colors';

/** sRGB bytes → CIELAB (D65), to measure colour differences as people see them (CIE76 ΔE). */
function rgbToLab(r: number, g: number, b: number): [number, number, number] {
  const lin = (v: number): number => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const X = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const Y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const Z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const f = (t: number): number => (t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);
  return [116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))];
}

const dist = (c: Uint8Array, i: number, j: number): number => {
  const a = rgbToLab(c[i * 3]!, c[i * 3 + 1]!, c[i * 3 + 2]!);
  const b = rgbToLab(c[j * 3]!, c[j * 3 + 1]!, c[j * 3 + 2]!);
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
};

describe('labToRgb', () => {
  it('maps the Lab reference points to sRGB', () => {
    expect(labToRgb(100, 0, 0)).toEqual([255, 255, 255]);
    expect(labToRgb(0, 0, 0)).toEqual([0, 0, 0]);
    // Mid grey: L* 53.39 is sRGB 128.
    const g = labToRgb(53.39, 0, 0);
    for (const v of g) expect(Math.abs(v - 128)).toBeLessThanOrEqual(1);
  });
});

describe('codeColorsFromProjection', () => {
  it('gives nearby codes similar colours and distant codes different ones', () => {
    // 200 codes on a line through 3D, plus noise-free spacing: neighbours are close, ends far apart.
    const n = 200;
    const pts = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) pts.set([i / n, Math.sin(i / 30), Math.cos(i / 45)], i * 3);
    const c = codeColorsFromProjection(pts, n);
    let neighbour = 0;
    for (let i = 0; i < n - 1; i++) neighbour = Math.max(neighbour, dist(c, i, i + 1));
    // ΔE ≈ 2.3 is a just-noticeable difference: neighbours stay within a few of those,
    // while codes at opposite ends of the projection differ by tens.
    expect(neighbour).toBeLessThan(8);
    expect(dist(c, 0, n - 1)).toBeGreaterThan(30);
  });

  it('is invariant to the scale and offset of the projection', () => {
    const n = 50;
    const a = new Float32Array(n * 3).map((_, i) => Math.sin(i * 1.7));
    const b = a.map((v) => v * 40 - 7);
    expect(codeColorsFromProjection(b, n)).toEqual(codeColorsFromProjection(a, n));
  });

  it('rejects a points array that is too short', () => {
    expect(() => codeColorsFromProjection(new Float32Array(5), 2)).toThrow(/5 values for 2 points/);
  });
});

describe('renderTokenGrid', () => {
  const colors = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255]);
  const grid = new Int32Array([0, 1, 2, 1]); // 2×2, depth 1

  it('colours each cell from its code row', () => {
    const img = renderTokenGrid(grid, 2, 2, 1, { level: 0, colors, rowOf: (c) => c, selectedCode: null });
    expect(Array.from(img.rgba.slice(0, 8))).toEqual([255, 0, 0, 255, 0, 255, 0, 255]);
  });

  it('dims every cell but the selected code and whitens changed cells', () => {
    const img = renderTokenGrid(grid, 2, 2, 1, { level: 0, colors, rowOf: (c) => c, selectedCode: 1, changed: new Uint8Array([0, 0, 1, 0]) });
    expect(img.rgba[0]).toBeLessThan(80); // code 0 dimmed
    expect(img.rgba[5]).toBe(255); // code 1 kept
    expect(Array.from(img.rgba.slice(8, 11))).toEqual([255, 255, 255]); // changed cell
  });

  it('reads the chosen residual level and maps implicit ids through the lookup', () => {
    const rvq = new Int32Array([7, 0, 9, 1]); // 1×2, depth 2
    const rowOf = codeRowLookup(new Int32Array([9, 7]));
    const img = renderTokenGrid(rvq, 1, 2, 2, { level: 0, colors, rowOf, selectedCode: null });
    expect(Array.from(img.rgba.slice(0, 3))).toEqual([0, 255, 0]); // id 7 → row 1
    expect(Array.from(img.rgba.slice(4, 7))).toEqual([255, 0, 0]); // id 9 → row 0
    const unknown = renderTokenGrid(new Int32Array([42]), 1, 1, 1, { level: 0, colors, rowOf, selectedCode: null });
    expect(Array.from(unknown.rgba.slice(0, 3))).toEqual(hashedCodeColor(42));
  });
});
