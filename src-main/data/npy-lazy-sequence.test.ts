/**
 * The lazily read .npy sequence against the whole-file path it stands in for: the same frames
 * for every dtype and byte order, NaN reported for the frame that holds it, truncated files
 * refused at open, only the asked-for bytes read, no file handle left open, and a sequence far
 * larger than the memory budget opened through openPath (a sparse file: no disk spent).
 */
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sequenceFromArray } from './array-sequence';
import { DataError } from './errors';
import type { FrameSequence } from './frame';
import { MEMORY_BUDGET_ENV } from './memory-budget';
import { readNpy } from './npy';
import { LAZY_NPY_MIN_BYTES, openNpySequence, preferLazy, readNpyHeader, type NpyFileHeader } from './npy-lazy-sequence';
import { openPath } from './open-path';
import * as readBytes from './read-bytes';

// Wraps (does not replace) the real positioned read, to count what is read and where.
vi.mock('./read-bytes', async (importOriginal) => {
  const real = await importOriginal<typeof import('./read-bytes')>();
  return { ...real, readRange: vi.fn(real.readRange) };
});
const readRangeSpy = vi.mocked(readBytes.readRange);

/** An .npy header (format `version`) for any descr, shape and order, padded as numpy pads it. */
function npyHeader(descr: string, shape: number[], fortran = false, version = 1): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const prefix = version === 1 ? 10 : 12;
  const header = dict.padEnd(Math.ceil((dict.length + prefix + 1) / 64) * 64 - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(prefix + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  return out;
}

/** Bytes of typed values in the given byte order. */
function bytesOf(values: ArrayBufferView & { BYTES_PER_ELEMENT: number }, bigEndian = false): Uint8Array {
  const b = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  const n = values.BYTES_PER_ELEMENT;
  if (bigEndian && n > 1) for (let i = 0; i < b.length; i += n) b.subarray(i, i + n).reverse();
  return b;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Deterministic values that differ per frame, channel and cell. */
function ramp(n: number, scale = 0.37): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(i * scale) * 10 + i * 0.01);
}

/** Waits until `ok()` holds, polling; gives up after a minute (then the caller's assertion fails). */
async function until(ok: () => boolean): Promise<void> {
  for (let waited = 0; !ok() && waited < 60_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
}

async function allFrames(seq: FrameSequence): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let t = 0; t < seq.length; t++) out.push((await seq.getFrame(t)).data);
  return out;
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'npy-lazy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  readRangeSpy.mockClear();
  delete process.env[MEMORY_BUDGET_ENV];
});

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

const T = 5;
const CASES: { name: string; descr: string; shape: number[]; body: () => Uint8Array; version?: number }[] = [
  { name: 'f32-le', descr: '<f4', shape: [T, 3, 4, 6], body: () => bytesOf(new Float32Array(ramp(T * 72))) },
  { name: 'f32-be', descr: '>f4', shape: [T, 3, 4, 6], body: () => bytesOf(new Float32Array(ramp(T * 72)), true) },
  { name: 'f64-le', descr: '<f8', shape: [T, 2, 5, 3], body: () => bytesOf(new Float64Array(ramp(T * 30))) },
  { name: 'f64-be-v2', descr: '>f8', shape: [T, 2, 5, 3], body: () => bytesOf(new Float64Array(ramp(T * 30)), true), version: 2 },
  {
    name: 'f16-le',
    descr: '<f2',
    shape: [T, 2, 3, 3],
    // Half floats by bit pattern: sign, exponents 13..17, mantissas varying: 0.1 .. 6 in magnitude.
    body: () => bytesOf(Uint16Array.from({ length: T * 18 }, (_, i) => ((i % 2) << 15) | ((13 + (i % 5)) << 10) | ((i * 37) & 0x3ff))),
  },
  {
    name: 'f16-be-v3',
    descr: '>f2',
    shape: [T, 2, 3, 3],
    body: () => bytesOf(Uint16Array.from({ length: T * 18 }, (_, i) => ((13 + (i % 5)) << 10) | ((i * 53) & 0x3ff)), true),
    version: 3,
  },
  { name: 'u8-class-map', descr: '|u1', shape: [T, 6, 7], body: () => Uint8Array.from({ length: T * 42 }, (_, i) => (i * 7) % 18) },
  { name: 'i16-be-class-map', descr: '>i2', shape: [T, 6, 7], body: () => bytesOf(Int16Array.from({ length: T * 42 }, (_, i) => (i * 5) % 18), true) },
  { name: 'i64-class-map', descr: '<i8', shape: [T, 4, 5], body: () => bytesOf(BigInt64Array.from({ length: T * 20 }, (_, i) => BigInt((i * 11) % 18))) },
  {
    name: 'u8-occupancy',
    descr: '|u1',
    shape: [3, 20, 24, 4],
    // Mostly free (17) with a few occupied voxels of varying class, different per frame.
    body: () => Uint8Array.from({ length: 3 * 20 * 24 * 4 }, (_, i) => (i % 13 === 0 ? (i >> 3) % 17 : 17)),
  },
  {
    name: 'i32-occupancy',
    descr: '<i4',
    shape: [3, 20, 24, 4],
    body: () => bytesOf(Int32Array.from({ length: 3 * 20 * 24 * 4 }, (_, i) => (i % 7 === 0 ? (i >> 2) % 17 : 17))),
  },
];

describe('lazy .npy sequence', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s: frames read lazily equal frames read whole', async (_n, c) => {
    const file = write(`${c.name}.npy`, concat(npyHeader(c.descr, c.shape, false, c.version), c.body()));
    const whole = sequenceFromArray(await readNpy(file), file);
    const lazy = await openNpySequence(file);
    expect(lazy.length).toBe(c.shape[0]);
    expect([lazy.channels, lazy.height, lazy.width]).toEqual([whole.channels, whole.height, whole.width]);
    expect(lazy.channelNames).toEqual(whole.channelNames);
    expect(lazy.encoding).toEqual(whole.encoding);
    const a = await allFrames(whole);
    const b = await allFrames(lazy);
    for (let t = 0; t < a.length; t++) {
      expect(b[t]!.length).toBe(a[t]!.length);
      expect(Array.from(b[t]!)).toEqual(Array.from(a[t]!));
    }
    // The frames differ from one another, so a reader that returned frame 0 every time would fail.
    expect(Array.from(b[1]!)).not.toEqual(Array.from(b[0]!));
  });

  it('reports a NaN in frame 3 of 5 when frame 3 is read, naming file[3] and the position', async () => {
    const values = new Float32Array(ramp(T * 2 * 3 * 4));
    values[3 * 24 + 1 * 12 + 2 * 4 + 1] = NaN; // frame 3, [1, 2, 1]
    const file = write('nan3.npy', concat(npyHeader('<f4', [T, 2, 3, 4]), bytesOf(values)));
    const seq = await openNpySequence(file);
    for (const t of [0, 1, 2, 4]) await expect(seq.getFrame(t)).resolves.toBeDefined();
    const err = await seq.getFrame(3).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe('nan3.npy[3]: 1 non-finite values (1 NaN, 0 +Inf, 0 −Inf), first at [1, 2, 1]');
  });

  it('a float sequence opens from its header alone: the shape, names and encoding frame 0 has; a NaN in frame 0 shows when it is read', async () => {
    for (const shape of [
      [4, 3, 5, 6],
      [4, 5, 6],
    ]) {
      const per = shape.slice(1).reduce((a, b) => a * b, 1);
      const values = new Float32Array(ramp(4 * per));
      values[2] = NaN;
      const file = write(`nan0-${shape.length}.npy`, concat(npyHeader('<f4', shape), bytesOf(values)));
      readRangeSpy.mockClear();
      const seq = await openNpySequence(file);
      expect(readRangeSpy).toHaveBeenCalledTimes(1); // the header
      const whole = sequenceFromArray({ dtype: 'float32', shape, data: values.map((v) => (Number.isNaN(v) ? 0 : v)) }, file);
      const f0 = await whole.getFrame(0);
      expect([seq.channels, seq.height, seq.width, seq.channelNames, seq.encoding]).toEqual([f0.channels, f0.height, f0.width, f0.channelNames, f0.encoding]);
      await expect(seq.getFrame(1)).resolves.toBeDefined();
      await expect(seq.getFrame(0)).rejects.toThrow(`nan0-${shape.length}.npy[0]: 1 non-finite values (1 NaN, 0 +Inf, 0 −Inf), first at [${shape.length === 4 ? '0, 0, 2' : '0, 2'}]`);
    }
    // A frame with no cells is still refused at open, as frame 0's reader refuses it.
    const empty = write('empty-frames.npy', npyHeader('<f4', [3, 0, 4]));
    await expect(openNpySequence(empty)).rejects.toThrow('empty-frames.npy[0]: shape 0×4 has no cells');
  });

  it('refuses a truncated file at open, with the file name and the message the whole reader gives', async () => {
    const full = concat(npyHeader('<f4', [T, 2, 3, 4]), bytesOf(new Float32Array(T * 24)));
    const file = write('cut.npy', full.subarray(0, full.length - 10));
    const whole = await readNpy(file).catch((e: unknown) => e as DataError);
    const lazy = await openNpySequence(file).catch((e: unknown) => e as DataError);
    expect(lazy).toBeInstanceOf(DataError);
    expect((lazy as DataError).message).toBe('cut.npy: truncated: header says 5×2×3×4 float32 (480 bytes) but 470 bytes follow');
    expect((lazy as DataError).message).toBe((whole as DataError).message);
    // Trailing bytes too: the header is checked against the file's size, not only its own length.
    const longer = write('long.npy', concat(full, new Uint8Array(8)));
    await expect(openNpySequence(longer)).rejects.toThrow('long.npy: 8 unexpected bytes after the data');
  });

  it('reads the header and only the requested frames, at their offsets', async () => {
    const shape = [8, 2, 16, 16];
    const header = npyHeader('<f4', shape);
    const frameBytes = 2 * 16 * 16 * 4;
    const file = write('count.npy', concat(header, bytesOf(new Float32Array(ramp(8 * 512)))));
    readRangeSpy.mockClear();
    const seq = await openNpySequence(file, { cacheFrames: 0 });
    // Opening: the header prefix only (the file is smaller than the 10 kB cap, so all of it is at
    // most that): a float frame's shape is the header's, so no frame is read.
    const openCalls = readRangeSpy.mock.calls.map(([, , pos, len]) => [pos, len]);
    expect(openCalls).toEqual([[0, Math.min(header.length + 8 * frameBytes, 10_012)]]);
    readRangeSpy.mockClear();
    await seq.getFrame(6);
    await seq.getFrame(2);
    const calls = readRangeSpy.mock.calls.map(([, , pos, len]) => [pos, len]);
    expect(calls).toEqual([
      [header.length + 6 * frameBytes, frameBytes],
      [header.length + 2 * frameBytes, frameBytes],
    ]);
  });

  it('opens through openPath a sequence far larger than the memory budget (sparse file), and reads its last frame', async () => {
    // [600, 16, 256, 256] float32 = 2.4 GiB of data, a sparse file: only the header takes disk.
    const shape = [600, 16, 256, 256];
    const frameBytes = 16 * 256 * 256 * 4;
    const header = npyHeader('<f4', shape);
    const file = path.join(dir, 'huge.npy');
    const fd = openSync(file, 'w');
    try {
      writeSync(fd, header);
      ftruncateSync(fd, header.length + 600 * frameBytes);
    } finally {
      closeSync(fd);
    }
    expect(header.length + 600 * frameBytes).toBeGreaterThan(LAZY_NPY_MIN_BYTES);
    process.env[MEMORY_BUDGET_ENV] = String(64 * 1024 * 1024);
    // The whole-file reader refuses it within this budget: the bound is real.
    await expect(readNpy(file)).rejects.toThrow(/over the memory budget/);
    const seq = await openPath(file, { cacheFrames: 2 });
    expect(seq.length).toBe(600);
    expect([seq.channels, seq.height, seq.width]).toEqual([16, 256, 256]);
    readRangeSpy.mockClear();
    const last = await seq.getFrame(599);
    expect(last.data.length).toBe(16 * 256 * 256);
    expect(last.data.every((v) => v === 0)).toBe(true);
    expect(readRangeSpy.mock.calls.map(([, , pos, len]) => [pos, len])).toEqual([[header.length + 599 * frameBytes, frameBytes]]);
  });

  it('keeps reading a large Fortran-order file whole, as before (refused over the budget)', async () => {
    const shape = [40, 16, 256, 256];
    const header = npyHeader('<f4', shape, true);
    const file = path.join(dir, 'fortran.npy');
    const fd = openSync(file, 'w');
    try {
      writeSync(fd, header);
      ftruncateSync(fd, header.length + 40 * 16 * 256 * 256 * 4);
    } finally {
      closeSync(fd);
    }
    expect((await readNpyHeader(file)).fortranOrder).toBe(true);
    process.env[MEMORY_BUDGET_ENV] = String(64 * 1024 * 1024);
    await expect(openPath(file)).rejects.toThrow(/fortran\.npy: reading the file would need 160\.0 MiB, over the memory budget/);
    await expect(openNpySequence(file)).rejects.toThrow(/Fortran order/);
  });

  it('leaves no file handle open: 200 opens and reads of the same file', async () => {
    const file = write('fd.npy', concat(npyHeader('<f4', [4, 1, 8, 8]), bytesOf(new Float32Array(ramp(256)))));
    const fds = () => readdirSync('/proc/self/fd').length;
    // Warm-up: the first open may start threads or load modules that hold descriptors of their own.
    await (await openNpySequence(file)).getFrame(1);
    const before = fds();
    for (let i = 0; i < 200; i++) {
      const seq = await openNpySequence(file, { cacheFrames: 0 });
      await Promise.all([seq.getFrame(1), seq.getFrame(2), seq.getFrame(3)]);
    }
    // Handles close after IDLE_CLOSE_MS without reads: wait for that (a bound, not a timing assertion).
    await until(() => fds() <= before);
    expect(fds()).toBeLessThanOrEqual(before);
    // A failed read closes its handle too.
    const cut = write('fd-cut.npy', concat(npyHeader('<f4', [4, 1, 8, 8]), new Uint8Array(10)));
    for (let i = 0; i < 50; i++) await expect(openNpySequence(cut)).rejects.toThrow(/truncated/);
    expect(fds()).toBeLessThanOrEqual(before);
  });

  it('refuses a file that changed size after it was opened', async () => {
    const fdsBefore = readdirSync('/proc/self/fd').length;
    const body = bytesOf(new Float32Array(ramp(4 * 64)));
    const file = write('grow.npy', concat(npyHeader('<f4', [4, 1, 8, 8]), body));
    const seq = await openNpySequence(file, { cacheFrames: 0 });
    writeFileSync(file, concat(npyHeader('<f4', [4, 1, 8, 8]), body.subarray(0, 128)));
    // Read on the still-open handle the file now ends early; on a reopened one its size differs.
    await expect(seq.getFrame(2)).rejects.toThrow(/grow\.npy: .*changed/);
    await until(() => readdirSync('/proc/self/fd').length <= fdsBefore);
    await expect(seq.getFrame(3)).rejects.toThrow(/grow\.npy: changed since it was opened \(was 1152 bytes, now 256\)/);
  });

  it('openPath reads big-framed files of 4 MiB and more lazily (a NaN shows when its frame is read), small ones whole (refused at open)', async () => {
    const big = new Float32Array(ramp(20 * 16 * 64 * 64, 0.01));
    big[3 * 65536 + 5 * 4096 + 7 * 64 + 9] = NaN; // frame 3, [5, 7, 9]
    const bigFile = write('big-nan.npy', concat(npyHeader('<f4', [20, 16, 64, 64]), bytesOf(big)));
    const seq = await openPath(bigFile, { cacheFrames: 0 });
    await expect(seq.getFrame(2)).resolves.toBeDefined();
    await expect(seq.getFrame(3)).rejects.toThrow('big-nan.npy[3]: 1 non-finite values (1 NaN, 0 +Inf, 0 −Inf), first at [5, 7, 9]');

    const small = new Float32Array(ramp(T * 24));
    small[3 * 24 + 13] = NaN;
    const smallFile = write('small-nan.npy', concat(npyHeader('<f4', [T, 2, 3, 4]), bytesOf(small)));
    await expect(openPath(smallFile)).rejects.toThrow('small-nan.npy: 1 non-finite values (1 NaN, 0 +Inf, 0 −Inf), first at [3, 1, 0, 1]');
  });

  it('prefers lazy reading for big files of big frames, and for anything too large to read whole', () => {
    const header = (shape: number[], itemSize = 4, fortranOrder = false): NpyFileHeader => {
      const nbytes = shape.reduce((a, b) => a * b, 1) * itemSize;
      return { dtype: 'float32', littleEndian: true, fortranOrder, shape, dataStart: 128, itemSize, nbytes, fileSize: 128 + nbytes };
    };
    expect(preferLazy(header([128, 16, 64, 64]))).toBe(true); // 32 MiB, 256 KiB frames
    expect(preferLazy(header([16, 16, 64, 64]))).toBe(true); // 4 MiB, 256 KiB frames
    expect(preferLazy(header([4, 16, 64, 64]))).toBe(false); // 1 MiB: one read is cheaper
    expect(preferLazy(header([4096, 1, 32, 32]))).toBe(false); // 16 MiB of 4 KiB frames
    expect(preferLazy(header([128, 16, 64, 64], 4, true))).toBe(false); // Fortran order: read whole
    expect(preferLazy(header([256, 256, 256]))).toBe(true); // [T, H, W], 64 MiB of 256 KiB frames
    expect(preferLazy(header([64, 16, 64]))).toBe(false);
    process.env[MEMORY_BUDGET_ENV] = String(8 * 1024 * 1024);
    // 16 MiB of 4 KiB frames does not fit the whole-file path's budget: lazy is then the only way.
    expect(preferLazy(header([4096, 1, 32, 32]))).toBe(true);
  });
});
