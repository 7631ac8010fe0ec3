/**
 * Lazily loaded sequences: a loader per frame behind a bounded LRU cache (and de-duplication of
 * concurrent loads of the same frame), with every loaded frame checked against the sequence's
 * declared shape so a folder with one odd file fails with a message naming that file.
 */
import { DataError } from './errors';
import type { BevFrame, FrameSequence, SequenceHeader } from './frame';
import { checkFrameShape } from './frame-limits';
import { LruCache } from './lru-cache';

export interface CacheOptions {
  /** Most frames kept (default 32). */
  cacheFrames?: number;
  /** Most bytes of frame data kept (default 256 MiB); at least one frame is always kept. */
  cacheBytes?: number;
}

export interface LazySequenceSpec extends CacheOptions, SequenceHeader {
  /** Loads frame `index` (0-based); its `index` field is set by the sequence. */
  load(index: number): Promise<BevFrame>;
  /** Names frame `index`'s file in errors. */
  describe?(index: number): string;
}

export interface LazySequence extends FrameSequence {
  readonly cache: LruCache<number, BevFrame>;
}

export const DEFAULT_CACHE_FRAMES = 32;
export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

export function lazySequence(spec: LazySequenceSpec): LazySequence {
  checkFrameShape(spec.sourcePath ?? spec.name, spec.channels, spec.height, spec.width);
  const cache = new LruCache<number, BevFrame>(
    spec.cacheFrames ?? DEFAULT_CACHE_FRAMES,
    spec.cacheBytes ?? DEFAULT_CACHE_BYTES,
    (f) => f.data.byteLength,
  );
  const inFlight = new Map<number, Promise<BevFrame>>();
  const seq: LazySequence = {
    name: spec.name,
    length: spec.length,
    channels: spec.channels,
    height: spec.height,
    width: spec.width,
    channelNames: spec.channelNames,
    encoding: spec.encoding,
    cache,
    getFrame(index: number): Promise<BevFrame> {
      if (!Number.isInteger(index) || index < 0 || index >= spec.length) {
        return Promise.reject(new RangeError(`${spec.name}: frame ${index} out of 0..${spec.length - 1}`));
      }
      const hit = cache.get(index);
      if (hit) return Promise.resolve(hit);
      const pending = inFlight.get(index);
      if (pending) return pending;
      const p = spec
        .load(index)
        .then((frame) => {
          const where = spec.describe?.(index) ?? `${spec.name} frame ${index}`;
          if (frame.channels !== spec.channels || frame.height !== spec.height || frame.width !== spec.width) {
            throw new DataError(
              where,
              `frame is ${frame.channels}×${frame.height}×${frame.width} but the sequence is ${spec.channels}×${spec.height}×${spec.width} (from its first frame)`,
            );
          }
          frame.index = index;
          if (frame.timestampUs === undefined && spec.timestampsUs) frame.timestampUs = spec.timestampsUs[index];
          if (!frame.egoPose && spec.egoPoses) frame.egoPose = spec.egoPoses[index];
          cache.set(index, frame);
          return frame;
        })
        .finally(() => inFlight.delete(index));
      inFlight.set(index, p);
      return p;
    },
  };
  if (spec.timestampsUs) seq.timestampsUs = spec.timestampsUs;
  if (spec.egoPoses) seq.egoPoses = spec.egoPoses;
  if (spec.attribution) seq.attribution = spec.attribution;
  if (spec.kind) seq.kind = spec.kind;
  if (spec.sourcePath) seq.sourcePath = spec.sourcePath;
  if (spec.warnings?.length) seq.warnings = spec.warnings;
  return seq;
}

/** Natural order for file names: `pc9` before `pc10`, `frame_2` before `frame_10`. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);
}
