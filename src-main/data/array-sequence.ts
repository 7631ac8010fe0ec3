/**
 * Frames from plain numpy arrays, read by dtype and rank:
 * - float `[C, H, W]` → one continuous frame (channels `ch0…`), float `[H, W]` → one channel;
 * - integer `[H, W]` → one class map (one-hot over the 18 classes);
 * - integer `[X, Y, Z]` → one occupancy grid (→ BEV like Occ3D);
 * and sequences of them from one `[T, …]` array. NaN / Inf are refused with their count and
 * the position of the first ones.
 */
import { DataError } from './errors';
import type { BevFrame, FrameSequence } from './frame';
import { findNonFinite, oneHot, unravelIndex } from './frame-utils';
import { formatShape, shapeSize, toFloat32, type NpyArray } from './npy';
import { OCC3D_NUSCENES_GRID, type OccupancyGrid } from './occ3d';
import { occupancyToBev, type OccupancyBevOptions } from './occupancy-bev';
import { classChannelNames, classEncoding, FREE_CLASS, NUM_CLASSES } from './palette';
import { lazySequence, type CacheOptions } from './sequence';

export interface ArrayFrameOptions extends Pick<OccupancyBevOptions, 'mode'> {
  /** Grid of integer `[X, Y, Z]` occupancy arrays (default Occ3D-nuScenes'). */
  occupancyGrid?: OccupancyGrid;
}

type ArrayKind = 'continuous' | 'class-map' | 'occupancy';

function isInteger(a: NpyArray): boolean {
  return a.dtype === 'bool' || a.dtype.includes('int');
}

/** How a single frame's array is read, from its rank and dtype; `null` if it is not a frame. */
function frameKind(a: NpyArray): ArrayKind | null {
  const r = a.shape.length;
  if (isInteger(a)) return r === 2 ? 'class-map' : r === 3 ? 'occupancy' : null;
  return r === 2 || r === 3 ? 'continuous' : null;
}

/** Refuses NaN / Inf, saying how many and where. */
export function checkFinite(values: ArrayLike<number>, shape: readonly number[], source: string): void {
  const r = findNonFinite(values, 3);
  const total = r.nan + r.posInf + r.negInf;
  if (total === 0) return;
  const where = r.firstIndices.map((i) => `[${unravelIndex(i, shape).join(', ')}]`).join(', ');
  throw new DataError(source, `${total} non-finite values (${r.nan} NaN, ${r.posInf} +Inf, ${r.negInf} −Inf), first at ${where}`);
}

/** One frame from a `[C, H, W]`, `[H, W]` or `[X, Y, Z]` array (slice of a larger one allowed via `values`). */
export function frameFromArray(a: NpyArray, source: string, opts: ArrayFrameOptions = {}, index = 0): BevFrame {
  const kind = frameKind(a);
  if (!kind) {
    throw new DataError(
      source,
      `shape ${formatShape(a.shape)} ${a.dtype} is not a frame: expected float [C, H, W] or [H, W], integer [H, W] class map or [X, Y, Z] occupancy`,
    );
  }
  if (shapeSize(a.shape) === 0) throw new DataError(source, `shape ${formatShape(a.shape)} has no cells`);
  if (kind === 'continuous') {
    const data = toFloat32(a);
    checkFinite(data, a.shape, source);
    const [C, H, W] = a.shape.length === 3 ? (a.shape as [number, number, number]) : [1, a.shape[0]!, a.shape[1]!];
    return {
      data,
      channels: C,
      height: H,
      width: W,
      channelNames: Array.from({ length: C }, (_, c) => `ch${c}`),
      encoding: { kind: 'continuous' },
      index,
      meta: { source, kind: 'array', interpretedAs: `float [C, H, W] = ${C}×${H}×${W} continuous` },
    };
  }
  const labels = classBytes(a, source);
  if (kind === 'class-map') {
    const [H, W] = a.shape as [number, number];
    return {
      data: oneHot(labels, NUM_CLASSES),
      channels: NUM_CLASSES,
      height: H,
      width: W,
      channelNames: classChannelNames(1),
      encoding: classEncoding(1),
      index,
      meta: { source, kind: 'array', interpretedAs: `integer [H, W] = ${H}×${W} class map` },
    };
  }
  const frame = occupancyToBev(
    { semantics: labels, shape: a.shape as [number, number, number], grid: opts.occupancyGrid ?? OCC3D_NUSCENES_GRID, source },
    { mode: opts.mode, index },
  );
  frame.meta.interpretedAs = `integer [X, Y, Z] = ${formatShape(a.shape)} occupancy`;
  return frame;
}

function classBytes(a: NpyArray, source: string): Uint8Array {
  const d = a.data;
  if (d instanceof Uint8Array && a.dtype === 'uint8') {
    for (let i = 0; i < d.length; i++) if (d[i]! > FREE_CLASS) throw badClass(d[i]!, i, a.shape, source);
    return d;
  }
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = Number(d[i]!);
    if (v < 0 || v > FREE_CLASS) throw badClass(v, i, a.shape, source);
    out[i] = v;
  }
  return out;
}

function badClass(v: number, i: number, shape: readonly number[], source: string): DataError {
  return new DataError(source, `class ${v} at [${unravelIndex(i, shape).join(', ')}] is not a class id 0..${FREE_CLASS}`);
}

export interface ArraySequenceOptions extends ArrayFrameOptions, CacheOptions {
  name?: string;
}

/**
 * A sequence from one `[T, …]` array: float `[T, C, H, W]` / `[T, H, W]`, integer `[T, H, W]`
 * class maps or integer `[T, X, Y, Z]` occupancy. Frames are sliced on request.
 */
export function sequenceFromArray(a: NpyArray, source: string, opts: ArraySequenceOptions = {}): FrameSequence {
  if (a.shape.length < 3 || a.shape.length > 4) {
    throw new DataError(source, `shape ${formatShape(a.shape)} is not a sequence: expected [T, C, H, W], [T, H, W] or integer [T, X, Y, Z]`);
  }
  const [T, ...rest] = a.shape as [number, ...number[]];
  if (T === 0) throw new DataError(source, `shape ${formatShape(a.shape)} has no frames`);
  if (!isInteger(a)) checkFinite(a.data as ArrayLike<number>, a.shape, source);
  const per = shapeSize(rest);
  const slice = (t: number): NpyArray => ({
    dtype: a.dtype,
    shape: rest,
    data: a.data.subarray(t * per, (t + 1) * per) as NpyArray['data'],
    source,
  });
  const first = frameFromArray(slice(0), `${source}[0]`, opts, 0);
  return lazySequence({
    name: opts.name ?? source.split(/[\\/]/).pop()!,
    length: T,
    channels: first.channels,
    height: first.height,
    width: first.width,
    channelNames: first.channelNames,
    encoding: first.encoding,
    kind: 'npy',
    sourcePath: source,
    cacheFrames: opts.cacheFrames,
    cacheBytes: opts.cacheBytes,
    describe: (t) => `${source}[${t}]`,
    async load(t) {
      if (t === 0) return first;
      return frameFromArray(slice(t), `${source}[${t}]`, opts, t);
    },
  });
}
