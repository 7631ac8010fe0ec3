/**
 * A `[T, …]` .npy sequence read frame by frame: only the header is read when the file is opened,
 * then each frame is one positioned read of exactly its bytes. The whole-file path
 * (`readNpy` + `sequenceFromArray`) holds every frame in memory at once, and each inference
 * worker that opens the file reads all of it again; this one holds one frame per read, so a
 * sequence larger than the memory budget opens, and N workers read the file once between them.
 *
 * Same interpretations as `sequenceFromArray` (float `[T, C, H, W]` / `[T, H, W]`, integer
 * `[T, H, W]` class maps, integer `[T, X, Y, Z]` occupancy) through the same `frameFromArray`,
 * and the same dtype / byte-order conversion (`decodeNpyValues`). Finiteness is checked per
 * frame when the frame is read: a NaN in frame 3 is reported as `file[3]` with its position in
 * the frame, when frame 3 is first asked for, not when the file is opened.
 *
 * Handles: FrameSequence has no close hook, so a handle held for the sequence's lifetime would
 * never be closed (sequences are dropped, not disposed), and a handle per read costs an open +
 * fstat + close each time, about 3× the read of a 256 KiB frame itself (measured by
 * `bench/npy-lazy-bench.ts`). So reads share one handle while they keep coming and it is closed
 * after a short idle time (IdleFileHandle); a reopened handle checks the file is still the size
 * it had at open. Positioned reads do not move a file position, so concurrent reads on the one
 * handle (the sequence's prefetch) are safe.
 */
import { frameFromArray, type ArraySequenceOptions } from './array-sequence';
import { DataError } from './errors';
import type { FrameSequence } from './frame';
import { checkMemory, memoryBudget } from './memory-budget';
import { decodeNpyValues, formatShape, NPY_MAX_PREFIX_BYTES, parseNpyHeader, shapeSize, type NpyArray, type NpyHeader } from './npy';
import { IdleFileHandle } from './idle-file-handle';
import { npyFramesInto, readsInto } from './npy-read-into';
import { openRegularFile, readRange } from './read-bytes';
import { lazySequence } from './sequence';

/**
 * When openPath reads a `[T, …]` .npy frame by frame rather than whole. Measured by
 * `bench/npy-lazy-bench.ts` (float32, page cache, a busy 2-core machine): for a 4 MiB file of
 * 256 KiB frames both ways deliver all frames equally fast and lazily 4× faster when a worker
 * takes a quarter of them; at 34 MiB lazily is 2.4× faster for all frames and 7× for a quarter;
 * but a 256 KiB file of 4 KiB frames reads 6× faster whole, each positioned read costing a
 * thread-pool round trip (~70 µs) that tiny frames do not pay back. So: files of at least
 * LAZY_NPY_MIN_BYTES whose frames are at least LAZY_NPY_MIN_FRAME_BYTES, and any file too large
 * to read whole within the memory budget (frame by frame is then the only way to open it).
 * Below that the whole-file path stays, which also refuses a NaN anywhere at open.
 */
export const LAZY_NPY_MIN_BYTES = 4 * 1024 * 1024;
export const LAZY_NPY_MIN_FRAME_BYTES = 64 * 1024;

/** Whether openPath should read the file this header came from frame by frame (see above). */
export function preferLazy(h: NpyFileHeader): boolean {
  if (!lazyReadable(h)) return false;
  const size = shapeSize(h.shape);
  // What the whole-file path asks of the budget: the file's bytes, then the array and its float32 frames.
  const wholeNeeds = Math.max(h.fileSize, size * (h.itemSize + 4));
  if (wholeNeeds > memoryBudget()) return true;
  const frameBytes = h.shape[0]! > 0 ? h.nbytes / h.shape[0]! : 0;
  return h.fileSize >= LAZY_NPY_MIN_BYTES && frameBytes >= LAZY_NPY_MIN_FRAME_BYTES;
}

/** An .npy header together with the size of the file it was read from. */
export interface NpyFileHeader extends NpyHeader {
  fileSize: number;
}

/** Reads and checks only the header of an .npy file (at most `NPY_MAX_PREFIX_BYTES` bytes). */
export async function readNpyHeader(file: string): Promise<NpyFileHeader> {
  const { handle, size } = await openRegularFile(file);
  try {
    const prefix = await readRange(handle, file, 0, Math.min(size, NPY_MAX_PREFIX_BYTES));
    return { ...parseNpyHeader(prefix, file, size), fileSize: size };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Whether a header describes data that `openNpySequence` can read frame by frame. */
export function lazyReadable(h: Pick<NpyHeader, 'fortranOrder' | 'shape'>): boolean {
  // A Fortran-order array's frame t is not one contiguous range (its first axis varies fastest).
  return !h.fortranOrder && (h.shape.length === 3 || h.shape.length === 4);
}

/**
 * Opens a `[T, …]` .npy as a lazily read sequence. `header` is the one `readNpyHeader` returned
 * (read again when absent). Integer data: frame 0 is read now, for the sequence's shape and
 * channel names; float data: no frame is read (the header gives the shape), so a NaN in frame 0
 * shows when frame 0 is read, like any other frame's.
 */
export async function openNpySequence(file: string, opts: ArraySequenceOptions & { header?: NpyFileHeader } = {}): Promise<FrameSequence> {
  const header = opts.header ?? (await readNpyHeader(file));
  const { shape, dtype, dataStart, itemSize, fileSize } = header;
  if (header.fortranOrder) {
    throw new DataError(file, `shape ${formatShape(shape)} is stored in Fortran order, whose frames are not contiguous: it is read whole`);
  }
  if (shape.length < 3 || shape.length > 4) {
    throw new DataError(file, `shape ${formatShape(shape)} is not a sequence: expected [T, C, H, W], [T, H, W] or integer [T, X, Y, Z]`);
  }
  const [T, ...rest] = shape as [number, ...number[]];
  if (T === 0) throw new DataError(file, `shape ${formatShape(shape)} has no frames`);
  const per = shapeSize(rest);
  const frameBytes = per * itemSize;
  // One frame's raw bytes plus the float32 frame made of them: what a read holds, not the file.
  checkMemory(file, per * (itemSize + 4), `one frame ${formatShape(rest)} ${dtype}`);

  // One handle for the reads that come close together, closed when they stop (idle-file-handle.ts).
  const shared = new IdleFileHandle(file, fileSize);
  const readFrame = async (t: number): Promise<NpyArray> => {
    const raw = await shared.use((handle) => readRange(handle, file, dataStart + t * frameBytes, frameBytes));
    return { dtype, shape: rest, data: decodeNpyValues(raw, header, per), source: `${file}[${t}]` };
  };
  const load = async (t: number) => frameFromArray(await readFrame(t), `${file}[${t}]`, opts, t);

  // A float frame is the file's values: its shape is the header's, so opening reads no frame
  // (every inference worker opens the file per encode; an Occ3D-size frame is 20 MB). Integer
  // frames are one-hot / BEV'd: frame 0 is read for the sequence's shape and channel names.
  const float = readsInto(dtype);
  if (float && per === 0) throw new DataError(`${file}[0]`, `shape ${formatShape(rest)} has no cells`);
  const first = float ? undefined : await load(0);
  const [C, H, W] = rest.length === 3 ? (rest as [number, number, number]) : [1, rest[0]!, rest[1]!];
  const head = first ?? { channels: C, height: H, width: W, channelNames: Array.from({ length: C }, (_, c) => `ch${c}`), encoding: { kind: 'continuous' as const } };
  const seq = lazySequence({
    name: opts.name ?? file.split(/[\\/]/).pop()!,
    length: T,
    channels: head.channels,
    height: head.height,
    width: head.width,
    channelNames: head.channelNames,
    encoding: head.encoding,
    kind: 'npy',
    sourcePath: file,
    cacheFrames: opts.cacheFrames,
    cacheBytes: opts.cacheBytes,
    describe: (t) => `${file}[${t}]`,
    load: (t) => (t === 0 && first ? Promise.resolve(first) : load(t)),
  });
  // Float frames are the file's values as float32: whole-sequence encoding reads runs of them
  // straight into its staging buffer (npy-read-into.ts). Integer frames are one-hot / BEV'd.
  if (float) seq.readFramesInto = npyFramesInto({ file, header, length: T, frameShape: rest, shared });
  return seq;
}
