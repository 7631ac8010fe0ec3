/**
 * What the BEV view adds for lidar: the semantic map (each cell's most frequent class, in the
 * dataset's palette), empty cells drawn as a dark checker that no colormap value produces (so
 * "no point fell here" never reads as "low"), and a colour bar whose range ignores empty cells.
 */
import type { SemanticMap } from '../../../../src-main/contract/index';
import { colormapLut, renderLabels, robustRange } from './colormap';
import type { ColormapName, RgbaImage } from './colormap';

/** The two greys of the empty-cell checker. */
export const EMPTY_RGB: readonly [readonly [number, number, number], readonly [number, number, number]] = [
  [30, 31, 36],
  [46, 47, 54],
];

/** Paints the cells marked in `empty` (1 = no point) as the checker, in place. */
export function paintEmpty(img: RgbaImage, empty: Uint8Array | undefined): RgbaImage {
  if (!empty) return img;
  const { width, rgba } = img;
  const n = Math.min(empty.length, img.width * img.height);
  for (let i = 0; i < n; i++) {
    if (!empty[i]) continue;
    const c = EMPTY_RGB[((i % width) + Math.floor(i / width)) & 1]!;
    rgba[i * 4] = c[0];
    rgba[i * 4 + 1] = c[1];
    rgba[i * 4 + 2] = c[2];
    rgba[i * 4 + 3] = 255;
  }
  return img;
}

/** The semantic map in its palette, empty cells as the checker. */
export function renderSemantic(sem: SemanticMap, width: number, height: number): RgbaImage {
  const img = renderLabels(sem.labels, width, height, sem.classes);
  const empty = new Uint8Array(width * height);
  for (let i = 0; i < empty.length; i++) if (sem.labels[i] === sem.emptyValue) empty[i] = 1;
  return paintEmpty(img, empty);
}

/** The classes present in a semantic map, most cells first, with their share of the non-empty cells. */
export function semanticLegend(sem: SemanticMap): Array<{ id: number; name: string; rgb: [number, number, number]; share: number }> {
  const counts = new Uint32Array(256);
  let seen = 0;
  for (const l of sem.labels) {
    if (l === sem.emptyValue) continue;
    counts[l]!++;
    seen++;
  }
  const out: Array<{ id: number; name: string; rgb: [number, number, number]; share: number }> = [];
  counts.forEach((count, id) => {
    if (!count) return;
    const info = sem.classes.find((c) => c.id === id);
    out.push({ id, name: info?.name ?? `class ${id}`, rgb: info ? [...info.rgb] : [255, 0, 255], share: count / seen });
  });
  return out.sort((a, b) => b.share - a.share);
}

/** The colour range of a channel over the cells that have points (all cells when no mask). */
export function occupiedRange(plane: Float32Array, empty: Uint8Array | undefined): [number, number] {
  if (!empty) return robustRange(plane);
  const kept: number[] = [];
  for (let i = 0; i < plane.length; i++) if (!empty[i]) kept.push(plane[i]!);
  return kept.length ? robustRange(kept) : [0, 1];
}

/** A CSS gradient of a colormap, left = low, for the colour bar. */
export function colormapGradient(name: ColormapName, stops = 16): string {
  const lut = colormapLut(name);
  const parts: string[] = [];
  for (let s = 0; s < stops; s++) {
    const k = Math.round((s / (stops - 1)) * 255) * 3;
    parts.push(`rgb(${lut[k]},${lut[k + 1]},${lut[k + 2]}) ${((s / (stops - 1)) * 100).toFixed(1)}%`);
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}
