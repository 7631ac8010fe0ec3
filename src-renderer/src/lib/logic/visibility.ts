import type { RgbaImage } from './colormap';

/**
 * The visibility overlay of Occ3D frames: cells no voxel of which the chosen sensor observed
 * are dimmed and hatched, so what the masked metrics ignore is visible at a glance.
 */
export function dimUnobserved(image: RgbaImage, visible: Uint8Array): RgbaImage {
  const { width, height } = image;
  if (visible.length !== width * height) return image;
  const rgba = new Uint8ClampedArray(image.rgba);
  for (let i = 0; i < visible.length; i++) {
    if (visible[i]) continue;
    const x = i % width;
    const y = (i / width) | 0;
    // Diagonal hatching every 4 cells keeps unobserved free space apart from dark classes.
    const hatch = (x + y) % 4 === 0;
    const o = i * 4;
    for (let c = 0; c < 3; c++) rgba[o + c] = hatch ? 90 : rgba[o + c]! * 0.25;
  }
  return { width, height, rgba };
}
