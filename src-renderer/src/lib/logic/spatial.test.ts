import { describe, expect, it } from 'vitest';
import { egoPixel, formatMetres, gridOfMeta, metresOfPixel, niceFloor, pixelOfMetres, scaleBar, ticks } from './spatial';

const OCC3D = { xRangeM: [-40, 40], yRangeM: [-40, 40], cellSizeM: 0.4 };

describe('spatial reference of a BEV frame', () => {
  it('reads the grid a frame declares and refuses one that does not fit its size', () => {
    expect(gridOfMeta({ grid: OCC3D }, 200, 200)).toEqual(OCC3D);
    expect(gridOfMeta({ grid: OCC3D }, 100, 200)).toBeNull();
    expect(gridOfMeta({}, 200, 200)).toBeNull();
    expect(gridOfMeta({ grid: { ...OCC3D, cellSizeM: 0 } }, 200, 200)).toBeNull();
    expect(gridOfMeta({ grid: { ...OCC3D, xRangeM: ['a', 40] } }, 200, 200)).toBeNull();
  });

  it('puts column 0 at the back (−x), row 0 at the far left (+y), and round-trips metres', () => {
    const g = gridOfMeta({ grid: OCC3D }, 200, 200)!;
    expect(metresOfPixel(g, 0, 0)).toEqual({ xM: -39.8, yM: 39.8 });
    const far = metresOfPixel(g, 199, 199);
    expect(far.xM).toBeCloseTo(39.8, 9);
    expect(far.yM).toBeCloseTo(-39.8, 9);
    const p = pixelOfMetres(g, 12.2, -7.4);
    const back = metresOfPixel(g, p.x - 0.5, p.y - 0.5);
    expect(back.xM).toBeCloseTo(12.2, 9);
    expect(back.yM).toBeCloseTo(-7.4, 9);
  });

  it('finds the ego at the centre of a centred grid and nowhere for a grid ahead of it', () => {
    expect(egoPixel({ xRangeM: [-40, 40], yRangeM: [-40, 40], cellSizeM: 0.4 })).toEqual({ x: 100, y: 100 });
    expect(egoPixel({ xRangeM: [0, 50], yRangeM: [-25, 25], cellSizeM: 0.5 })).toEqual({ x: 0, y: 50 });
    expect(egoPixel({ xRangeM: [5, 50], yRangeM: [-25, 25], cellSizeM: 0.5 })).toBeNull();
  });

  it('makes round ticks with 0 among them and a 1/2/5 scale bar that fits', () => {
    expect(ticks(-40, 40, 4)).toEqual([-40, -20, 0, 20, 40]);
    expect(ticks(-12.8, 12.8, 5)).toEqual([-10, -5, 0, 5, 10]);
    expect(ticks(3, 3)).toEqual([]);
    expect(niceFloor(7.3)).toBe(5);
    expect(niceFloor(0.034)).toBeCloseTo(0.02, 12);
    expect(() => niceFloor(0)).toThrow(/positive/);
    const bar = scaleBar(4, 90)!; // 4 px per metre, at most 90 px: 20 m = 80 px
    expect(bar).toEqual({ metres: 20, px: 80 });
    expect(scaleBar(0, 90)).toBeNull();
    expect(formatMetres(-0.04)).toBe('0 m');
    expect(formatMetres(12.25)).toBe('12.3 m');
  });
});
