import * as path from 'node:path';
import type { FrameData, SourceInfo } from '../contract/index';
import type { BevFrame, FrameSequence } from '../data/frame';
import { classMaps } from './frame-compare';
import type { FramePayload } from './frame-view';
import { topDownOfMaps } from './top-down';
import { topDownVisibility } from './occupancy-metrics';

/** What the UI and the status bar show about an open sequence. */
export function describeSource(seq: FrameSequence, kind: SourceInfo['kind'], sourcePath: string): SourceInfo {
  const info: SourceInfo = {
    kind,
    path: sourcePath,
    name: seq.name,
    length: seq.length,
    channels: seq.channels,
    height: seq.height,
    width: seq.width,
    channelNames: [...seq.channelNames],
    encoding: seq.encoding,
  };
  if (seq.timestampsUs) info.timestampsUs = [...seq.timestampsUs];
  if (seq.attribution) info.attribution = seq.attribution;
  if (seq.warnings?.length) info.warnings = [...seq.warnings];
  if (seq.dataset) info.dataset = seq.dataset;
  return info;
}

/** The kind of a path as the status bar names it, from what the reader said it was, else from its name. */
export function sourceKindOf(p: string, isDirectory: boolean, seq: FrameSequence): SourceInfo['kind'] {
  const declared = (seq as FrameSequence & { kind?: unknown }).kind;
  if (declared === 'npy' || declared === 'occ3d' || declared === 'lidar' || declared === 'folder') return declared;
  const name = path.basename(p).toLowerCase();
  if (name.endsWith('.npz')) return 'occ3d';
  if (name.endsWith('.bin') || name.endsWith('.pcd')) return 'lidar';
  if (isDirectory) return 'folder';
  return 'npy';
}

/** A frame as it crosses the contract: plain data, the top-down class map added for class frames. */
export function toFrameData(frame: BevFrame): FrameData {
  return toFramePayload(frame).frame;
}

/** The same, with the class map of every height group (class frames), as the service caches it. */
export function toFramePayload(frame: BevFrame): FramePayload {
  const out: FrameData = {
    index: frame.index,
    channels: frame.channels,
    height: frame.height,
    width: frame.width,
    data: frame.data,
    meta: plainMeta(frame.meta),
  };
  if (frame.timestampUs !== undefined) out.timestampUs = frame.timestampUs;
  if (frame.semantic) out.semantic = frame.semantic;
  if (frame.emptyCells) out.emptyCells = frame.emptyCells;
  const enc = frame.encoding;
  if (enc.kind !== 'classes') return { frame: out };
  // One argmax pass over the frame gives every group's map; the picture is the top-down view.
  const groupMaps = classMaps(frame.data, frame, enc.numClasses);
  out.labels = topDownOfMaps(groupMaps, enc.groups, frame.height * frame.width, enc.freeClass);
  if (!frame.voxelMasks) return { frame: out, groupMaps };
  out.visibility = topDownVisibility(frame.voxelMasks, frame.height * frame.width);
  return { frame: out, groupMaps, voxelMasks: frame.voxelMasks };
}

/** Keeps only what structured clone and the WebSocket codec can carry (no functions, no class instances). */
function plainMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const clean = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (ArrayBuffer.isView(v)) return v;
    if (depth > 6 || typeof v !== 'object') return undefined;
    if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const c = clean(x, depth + 1);
      if (c !== undefined) o[k] = c;
    }
    return o;
  };
  return clean(meta, 0) as Record<string, unknown>;
}
