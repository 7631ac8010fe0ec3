import { DataError } from './errors';
import { checkMemory } from './memory-budget';

/**
 * Bounds on a frame's shape, checked when a sequence is opened and before its first frame (or
 * its channel names) are built. Real BEV frames have tens to a few hundred channels (Occ3D
 * height-folded one-hot: 16 × 18 = 288) and sides of a few hundred cells; a header can ask for
 * 1.18 M channels in 1.2 KB, which would hang the app building names and views before any
 * memory limit was reached.
 */
export const MAX_FRAME_CHANNELS = 4096;
export const MAX_FRAME_SIDE = 16_384;

export function checkFrameShape(file: string, channels: number, height: number, width: number): void {
  if (!(channels >= 1 && channels <= MAX_FRAME_CHANNELS)) {
    throw new DataError(file, `frames would have ${channels} channels; at most ${MAX_FRAME_CHANNELS} are supported`);
  }
  if (!(height >= 1 && height <= MAX_FRAME_SIDE && width >= 1 && width <= MAX_FRAME_SIDE)) {
    throw new DataError(file, `frames would be ${height}×${width} cells; each side must be 1..${MAX_FRAME_SIDE}`);
  }
  checkMemory(file, channels * height * width * 4, `one ${channels}×${height}×${width} float32 frame`);
}
