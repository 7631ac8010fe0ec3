/**
 * `FrameSequence.readFramesInto` for a lazily read float `[T, …]` .npy: frames [start, start + n)
 * are contiguous in a C-order file, so they are ONE positioned read. For float32 in the host's
 * byte order (the common case) that read goes straight into the caller's buffer's bytes: no array
 * per frame (whose first touch page-faults at ~300 MB/s on a small VM), no copy into a staging
 * buffer. Other float dtypes (float64, float16, the other byte order) are read into one scratch
 * buffer reused across calls and converted into the caller's, as `decodeNpyValues` + `toFloat32`
 * convert them for `getFrame`, so the values are the same to the bit.
 *
 * Finiteness: one monomorphic scan of the whole range (about 2× faster than the generic
 * `findNonFinite`, which sees every kind of array and so is slow on each); only when it finds a
 * non-finite value does the frame-by-frame `checkFinite` run, so the error is the one `getFrame`
 * gives: `file[t]: … first at [c, h, w]` for the first bad frame.
 */
import { checkFinite } from './array-sequence';
import type { IdleFileHandle } from './idle-file-handle';
import { decodeNpyValues, type NpyHeader } from './npy';
import { readRangeInto } from './read-bytes';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Index of the first NaN / ±Inf in `x`, or -1. Float32Array only, so V8 keeps one fast loop. */
export function firstNonFiniteFloat32(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v - v !== 0) return i;
  }
  return -1;
}

/** Whether frames of this dtype are continuous float frames, whose data is the file's values as float32. */
export function readsInto(dtype: string): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
}

export interface NpyFramesSource {
  file: string;
  header: Pick<NpyHeader, 'dtype' | 'littleEndian' | 'itemSize' | 'dataStart'>;
  /** The sequence's frames T and one frame's shape (without T). */
  length: number;
  frameShape: number[];
  shared: IdleFileHandle;
}

/** The `readFramesInto` of a lazily read float .npy sequence (see the file comment). */
export function npyFramesInto(src: NpyFramesSource): (start: number, count: number, dst: Float32Array) => Promise<void> {
  const { file, header, length: T, frameShape, shared } = src;
  const per = frameShape.reduce((a, b) => a * b, 1);
  const frameBytes = per * header.itemSize;
  const direct = header.dtype === 'float32' && header.littleEndian === HOST_LITTLE_ENDIAN;
  // Reused by the converting path; a call that finds it taken (calls overlap) makes its own.
  let scratch: ArrayBuffer | undefined;

  return async (start, count, dst) => {
    if (!(Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 0 && start + count <= T)) {
      throw new RangeError(`${file}: frames [${start}, ${start + count}) are not within 0..${T}`);
    }
    if (dst.length !== count * per) {
      throw new RangeError(`${file}: ${count} frames of ${per} values need a buffer of ${count * per}, got ${dst.length}`);
    }
    if (count === 0) return;
    const position = header.dataStart + start * frameBytes;
    const bytes = count * frameBytes;
    if (direct) {
      await shared.use((h) => readRangeInto(h, file, position, new Uint8Array(dst.buffer, dst.byteOffset, bytes)));
    } else {
      let buf = scratch && scratch.byteLength >= bytes ? scratch : undefined;
      if (buf) scratch = undefined;
      else buf = new ArrayBuffer(bytes);
      // byteOffset 0: decodeNpyValues makes its typed views on the buffer from its start.
      const raw = await shared.use((h) => readRangeInto(h, file, position, new Uint8Array(buf, 0, bytes)));
      dst.set(decodeNpyValues(raw, header, count * per) as Float32Array | Float64Array);
      // Kept only after a read that completed: a timed-out one may still land in its buffer.
      if (!scratch || scratch.byteLength < buf.byteLength) scratch = buf;
    }
    if (firstNonFiniteFloat32(dst) < 0) return;
    // Report it as getFrame would: the first bad frame, its count and positions.
    for (let i = 0; i < count; i++) checkFinite(dst.subarray(i * per, (i + 1) * per), frameShape, `${file}[${start + i}]`);
  };
}
