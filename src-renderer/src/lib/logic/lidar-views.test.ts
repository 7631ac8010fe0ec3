import { describe, expect, it } from 'vitest';
import { colormapGradient, EMPTY_RGB, occupiedRange, paintEmpty, renderSemantic, semanticLegend } from './lidar-views';
import { renderScalar } from './colormap';

const sem = {
  labels: Uint8Array.of(17, 255, 24, 17),
  classes: [
    { id: 17, name: 'vehicle.car', rgb: [255, 158, 0] as [number, number, number] },
    { id: 24, name: 'flat.driveable_surface', rgb: [0, 207, 191] as [number, number, number] },
  ],
  name: 'nuScenes-lidarseg (32 classes)',
  emptyValue: 255,
};

describe('lidar views', () => {
  it('draws the semantic map in its palette and empty cells as the checker', () => {
    const img = renderSemantic(sem, 2, 2);
    expect(Array.from(img.rgba.slice(0, 4))).toEqual([255, 158, 0, 255]);
    expect(Array.from(img.rgba.slice(4, 7))).toEqual([...EMPTY_RGB[1]]); // (x 1, y 0): odd parity
    expect(Array.from(img.rgba.slice(8, 11))).toEqual([0, 207, 191]);
    expect(semanticLegend(sem)).toEqual([
      { id: 17, name: 'vehicle.car', rgb: [255, 158, 0], share: 2 / 3 },
      { id: 24, name: 'flat.driveable_surface', rgb: [0, 207, 191], share: 1 / 3 },
    ]);
  });

  it('keeps empty cells apart from low values, and ranges over occupied cells only', () => {
    const plane = Float32Array.of(0, 0, 2, 4);
    const empty = Uint8Array.of(1, 0, 0, 0);
    const img = paintEmpty(renderScalar(plane, 2, 2, 'gray', [0, 4]), empty);
    // The empty cell and the low (0) cell differ; the low one is the colormap's black.
    expect(Array.from(img.rgba.slice(0, 3))).toEqual([...EMPTY_RGB[0]]);
    expect(Array.from(img.rgba.slice(4, 7))).toEqual([0, 0, 0]);
    const [lo, hi] = occupiedRange(Float32Array.of(0, 5, 6, 7), Uint8Array.of(1, 0, 0, 0));
    expect(lo).toBe(5);
    expect(hi).toBe(7);
    expect(colormapGradient('gray', 2)).toBe('linear-gradient(to right, rgb(0,0,0) 0.0%, rgb(255,255,255) 100.0%)');
  });
});
