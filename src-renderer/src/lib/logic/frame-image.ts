/** Turns a frame (input, reconstruction, prototype) into the image a panel shows. */
import type { FrameEncoding } from '../../../../src-main/contract/index';
import { labelsFromOneHot, renderLabels, renderScalar } from './colormap';
import type { ColormapName, RgbaImage } from './colormap';

export interface FrameLike {
  channels: number;
  height: number;
  width: number;
  data: Float32Array;
  /** The channels `data` holds, when the service sent only some (see the contract's FrameRequest). */
  dataChannels?: number[];
  labels?: Uint8Array;
}

/**
 * Where channel `c` sits among the channels `f.data` holds: `c` itself for a whole frame, its
 * position in `dataChannels` for a partial one, -1 when it was not sent.
 */
export function channelSlot(f: FrameLike, c: number): number {
  if (f.dataChannels) return f.dataChannels.indexOf(c);
  return c >= 0 && c < f.channels ? c : -1;
}

/** The value of channel `c` at cell `i`, or undefined when that channel was not sent. */
export function valueAt(f: FrameLike, c: number, i: number): number | undefined {
  const k = channelSlot(f, c);
  return k < 0 ? undefined : f.data[k * f.width * f.height + i];
}

/** The class map of a class frame: `labels` when sent, else derived from the one-hot channels. */
export function frameLabels(f: FrameLike, enc: FrameEncoding): Uint8Array | null {
  if (enc.kind !== 'classes') return null;
  if (f.labels && f.labels.length >= f.width * f.height) return f.labels;
  if (f.dataChannels || f.channels < enc.numClasses * enc.groups) return null;
  return labelsFromOneHot(f.data, f.width, f.height, enc.numClasses, enc.groups, enc.freeClass);
}

/**
 * Class frames in their palette; continuous frames as one channel through a colormap. `range`
 * fixes the colour scale (so the reconstruction uses the input's scale and both compare).
 */
export function frameImage(
  f: FrameLike,
  enc: FrameEncoding,
  channel: number,
  cmap: ColormapName,
  range?: [number, number],
): RgbaImage {
  const labels = frameLabels(f, enc);
  if (labels && enc.kind === 'classes') return renderLabels(labels, f.width, f.height, enc.palette);
  // A partial frame holds the picked channel (or, if another was sent, shows the first it has).
  const sent = f.dataChannels ? f.dataChannels.length : f.channels;
  const k = channelSlot(f, channel);
  const c = k >= 0 ? k : Math.min(Math.max(0, channel), Math.max(0, sent - 1));
  if (sent === 0) return renderScalar(new Float32Array(f.width * f.height), f.width, f.height, cmap, range, 0);
  return renderScalar(f.data, f.width, f.height, cmap, range, c);
}

/** The classes that occur in a class map, most frequent first (for the legend). */
export function classCounts(labels: Uint8Array): Array<{ id: number; count: number }> {
  const counts = new Uint32Array(256);
  for (const l of labels) counts[l]!++;
  const out: Array<{ id: number; count: number }> = [];
  counts.forEach((count, id) => {
    if (count > 0) out.push({ id, count });
  });
  return out.sort((a, b) => b.count - a.count);
}
