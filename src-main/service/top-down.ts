/**
 * The top-down class map of a height-folded class frame from its per-group class maps: the class
 * of the highest group that is not free, free where every group is. The same rule as
 * data/frame-utils `topDownLabelsOf` (which works on a one-hot BevFrame), here on the argmax maps
 * the service already has, so the input and the reconstruction get their picture in one pass.
 */
export function topDownOfMaps(maps: Uint8Array, groups: number, cells: number, freeClass: number | undefined): Uint8Array {
  if (maps.length !== groups * cells) throw new Error(`topDownOfMaps: ${maps.length} labels for ${groups} groups of ${cells} cells`);
  // Without a free class there is nothing to look through: the top group is the picture.
  if (groups === 1 || freeClass === undefined) return maps.slice((groups - 1) * cells, groups * cells);
  const out = new Uint8Array(cells).fill(freeClass);
  for (let i = 0; i < cells; i++) {
    for (let g = groups - 1; g >= 0; g--) {
      const c = maps[g * cells + i]!;
      if (c !== freeClass) {
        out[i] = c;
        break;
      }
    }
  }
  return out;
}
