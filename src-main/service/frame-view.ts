/**
 * What of a frame crosses the contract. The service keeps each frame (and each decoded frame)
 * whole, with its class maps worked out once; a request then takes only what a view draws: the
 * top-down class map of an Occ3D frame is 40 kB where its `[288, 200, 200]` float32 tensor is 46 MB.
 */
import type { ChannelSelection, DecodedFrame, FrameData, FrameRequest } from '../contract/index';
import type { FrameEncoding, VoxelMasks } from '../data/frame';
import { ArgumentError } from './errors';
import { parseValue } from './validate-arguments';
import { FrameRequestSchema } from '../contract/schemas';

export interface ResolvedRequest {
  channels: ChannelSelection;
  groupLabels: boolean;
}

export const ALL_CHANNELS: ResolvedRequest = { channels: 'all', groupLabels: false };

/** Checks a FrameRequest that arrived from outside against the open source. */
export function checkFrameRequest(method: string, opts: unknown, channels: number, encoding: FrameEncoding): ResolvedRequest {
  const o = parseValue(method, 'request', FrameRequestSchema, opts ?? {});
  const groupLabels = o.groupLabels ?? false;
  const ch = o.channels ?? 'all';
  if (ch === 'all') return { channels: 'all', groupLabels };
  if (ch === 'labels') {
    if (encoding.kind !== 'classes') {
      throw new ArgumentError(method, `channels: 'labels' needs a class frame, and this source is continuous (ask for channel ids, e.g. [0])`);
    }
    return { channels: 'labels', groupLabels };
  }
  if (ch.length > channels) throw new ArgumentError(method, `channels lists ${ch.length} ids but the frame has ${channels} channels`);
  for (const c of ch) {
    if (c >= channels) {
      throw new ArgumentError(method, `channel id ${JSON.stringify(c)} is out of range 0..${channels - 1}`);
    }
  }
  return { channels: [...ch], groupLabels };
}

/** Channels `list` of a `[C, H, W]` tensor, in that order. */
export function pickChannels(data: Float32Array, cells: number, list: readonly number[]): Float32Array {
  const out = new Float32Array(list.length * cells);
  list.forEach((c, k) => out.set(data.subarray(c * cells, (c + 1) * cells), k * cells));
  return out;
}

/** Channels `list` of the one-hot frame of per-group class maps (channel = group · K + class). */
export function oneHotChannels(maps: Uint8Array, numClasses: number, cells: number, list: readonly number[]): Float32Array {
  const out = new Float32Array(list.length * cells);
  list.forEach((c, k) => {
    const g = Math.floor(c / numClasses);
    const cls = c % numClasses;
    const base = g * cells;
    const o = k * cells;
    for (let i = 0; i < cells; i++) if (maps[base + i] === cls) out[o + i] = 1;
  });
  return out;
}

/** An input frame as the service caches it: the whole tensor, and for class frames its maps. */
export interface FramePayload {
  /** Every channel, with the top-down `labels` of class frames. */
  frame: FrameData;
  /** `[groups, H, W]` class maps (class frames). */
  groupMaps?: Uint8Array;
  /** Occ3D visibility masks in the groups' layout, for masked metrics. */
  voxelMasks?: VoxelMasks;
}

export function frameView(p: FramePayload, req: ResolvedRequest): FrameData {
  const { frame } = p;
  const out: FrameData = { ...frame };
  const cells = frame.height * frame.width;
  if (req.channels === 'labels') {
    out.data = new Float32Array(0);
    out.dataChannels = [];
  } else if (req.channels !== 'all') {
    out.data = pickChannels(frame.data, cells, req.channels);
    out.dataChannels = [...req.channels];
  }
  if (req.groupLabels && p.groupMaps) out.groupLabels = p.groupMaps;
  return out;
}

/**
 * A decoded frame as the service caches it: class frames keep their argmax maps (the one-hot
 * reconstruction is built only when asked for: 46 MB for an Occ3D frame), continuous ones the values.
 */
export interface DecodedPayload {
  index: number;
  channels: number;
  height: number;
  width: number;
  /** Continuous frames: the reconstruction `[C, H, W]`. */
  recon?: Float32Array;
  /** Class frames: predicted class per group and cell `[groups, H, W]`, over `numClasses`. */
  groupMaps?: Uint8Array;
  numClasses?: number;
  /** Class frames: the predicted top-down class map `[H, W]`. */
  labels?: Uint8Array;
  error: Float32Array;
  metrics: DecodedFrame['metrics'];
  occupancy?: DecodedFrame['occupancy'];
}

export function decodedView(p: DecodedPayload, req: ResolvedRequest): DecodedFrame {
  const cells = p.height * p.width;
  const all = (): number[] => Array.from({ length: p.channels }, (_, c) => c);
  const out: DecodedFrame = { index: p.index, data: new Float32Array(0), error: p.error, metrics: p.metrics };
  if (p.occupancy) out.occupancy = p.occupancy;
  if (p.groupMaps && p.numClasses !== undefined) {
    if (req.channels === 'all') out.data = oneHotChannels(p.groupMaps, p.numClasses, cells, all());
    else if (req.channels === 'labels') out.dataChannels = [];
    else {
      out.data = oneHotChannels(p.groupMaps, p.numClasses, cells, req.channels);
      out.dataChannels = [...req.channels];
    }
    if (p.labels) out.labels = p.labels;
    if (req.groupLabels) out.groupLabels = p.groupMaps;
    return out;
  }
  const recon = p.recon ?? new Float32Array(p.channels * cells);
  if (req.channels === 'all') out.data = recon;
  else if (req.channels !== 'labels') {
    out.data = pickChannels(recon, cells, req.channels);
    out.dataChannels = [...req.channels];
  }
  return out;
}
