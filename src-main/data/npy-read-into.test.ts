/**
 * `readFramesInto` of a lazily read .npy against its `getFrame`: the same values to the bit for
 * float32 little-endian (one positioned read straight into the buffer) and for the converted
 * dtypes (float64, float16, big-endian float32), the same NaN message naming `file[3]`, a short
 * file failing with the file's name, bad ranges refused, and integer sequences not offering it.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DataError } from './errors';
import type { FrameSequence } from './frame';
import { IdleFileHandle } from './idle-file-handle';
import { openNpySequence, readNpyHeader } from './npy-lazy-sequence';
import { firstNonFiniteFloat32, npyFramesInto } from './npy-read-into';
import * as readBytes from './read-bytes';

// Wraps (does not replace) the real reads, to count them.
vi.mock('./read-bytes', async (importOriginal) => {
  const real = await importOriginal<typeof import('./read-bytes')>();
  return { ...real, readRange: vi.fn(real.readRange), readRangeInto: vi.fn(real.readRangeInto) };
});
const readRangeSpy = vi.mocked(readBytes.readRange);
const readIntoSpy = vi.mocked(readBytes.readRangeInto);

/** An .npy (format 1.0) of raw data bytes with any descr, padded as numpy pads it. */
function npyFile(descr: string, shape: number[], data: Uint8Array): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const header = dict.padEnd(Math.ceil((dict.length + 11) / 64) * 64 - 11, ' ') + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + header.length);
  return out;
}

function bytesOf(values: ArrayBufferView & { BYTES_PER_ELEMENT: number }, bigEndian = false): Uint8Array {
  const b = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  const n = values.BYTES_PER_ELEMENT;
  if (bigEndian && n > 1) for (let i = 0; i < b.length; i += n) b.subarray(i, i + n).reverse();
  return b;
}

/** Values that differ per frame and cell, some beyond float32's precision (float64 must round them). */
function ramp(n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 10 + i * 0.01 + 1e-9 * i);
}

/** float16 bits of small integers and halves (exact in float16): h = sign | exp | mantissa. */
function halfBits(n: number): Uint16Array {
  const out = new Uint16Array(n);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < n; i++) {
    f32[0] = ((i % 37) - 18) * 0.5;
    const x = u32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    out[i] = f32[0] === 0 ? sign : sign | ((exp - 127 + 15) << 10) | ((x >>> 13) & 0x3ff);
  }
  return out;
}

async function getFrames(seq: FrameSequence, start: number, count: number): Promise<Float32Array> {
  const per = seq.channels * seq.height * seq.width;
  const out = new Float32Array(count * per);
  for (let i = 0; i < count; i++) out.set((await seq.getFrame(start + i)).data, i * per);
  return out;
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'npy-into-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  readRangeSpy.mockClear();
  readIntoSpy.mockClear();
});

const T = 6;
const SHAPE = [T, 3, 8, 10];
const PER = 3 * 8 * 10;

describe('readFramesInto of a lazily read .npy', () => {
  it('float32 little-endian: one positioned read straight into the buffer, equal to getFrame (into a view at an offset too)', async () => {
    const file = path.join(dir, 'f32.npy');
    writeFileSync(file, npyFile('<f4', SHAPE, bytesOf(Float32Array.from(ramp(T * PER)))));
    const seq = await openNpySequence(file, { cacheFrames: 0 });
    expect(seq.readFramesInto).toBeTypeOf('function');
    // A view 7 values into a larger buffer: the read must land at the view's bytes, not the buffer's start.
    const big = new Float32Array(7 + 3 * PER + 5).fill(-123);
    const dst = big.subarray(7, 7 + 3 * PER);
    readIntoSpy.mockClear();
    readRangeSpy.mockClear();
    await seq.readFramesInto!(2, 3, dst);
    expect(readIntoSpy).toHaveBeenCalledTimes(1);
    const [, , position, out] = readIntoSpy.mock.calls[0]!;
    const header = await readNpyHeader(file);
    expect(position).toBe(header.dataStart + 2 * PER * 4);
    // The caller's memory itself, not a copy.
    expect(out.buffer).toBe(big.buffer);
    expect(out.byteOffset).toBe(7 * 4);
    expect(Array.from(dst)).toEqual(Array.from(await getFrames(seq, 2, 3)));
    // Bytes around the view are untouched.
    expect(Array.from(big.subarray(0, 7))).toEqual(new Array(7).fill(-123));
    expect(Array.from(big.subarray(7 + 3 * PER))).toEqual(new Array(5).fill(-123));
    // A range of none reads nothing; the last frame alone reads it.
    await seq.readFramesInto!(T, 0, new Float32Array(0));
    const last = new Float32Array(PER);
    await seq.readFramesInto!(T - 1, 1, last);
    expect(Array.from(last)).toEqual(Array.from(await getFrames(seq, T - 1, 1)));
  });

  for (const [name, descr, bytes] of [
    ['float64', '<f8', () => bytesOf(Float64Array.from(ramp(T * PER)))],
    ['big-endian float32', '>f4', () => bytesOf(Float32Array.from(ramp(T * PER)), true)],
    ['big-endian float64', '>f8', () => bytesOf(Float64Array.from(ramp(T * PER)), true)],
    ['float16', '<f2', () => bytesOf(halfBits(T * PER))],
  ] as const) {
    it(`${name}: converted from one reused read buffer, bit for bit what getFrame gives`, async () => {
      const file = path.join(dir, `${descr.replace(/[<>]/, (c) => (c === '<' ? 'le' : 'be'))}.npy`);
      writeFileSync(file, npyFile(descr, SHAPE, bytes()));
      const seq = await openNpySequence(file, { cacheFrames: 0 });
      const a = new Float32Array(4 * PER);
      await seq.readFramesInto!(1, 4, a);
      const ref = await getFrames(seq, 1, 4);
      expect(new Uint32Array(a.buffer)).toEqual(new Uint32Array(ref.buffer));
      // Again, shorter, reusing the read buffer: still right, and old values do not leak in.
      const b = new Float32Array(2 * PER);
      await seq.readFramesInto!(4, 2, b);
      expect(new Uint32Array(b.buffer)).toEqual(new Uint32Array((await getFrames(seq, 4, 2)).buffer));
      // Overlapping calls (the reused buffer taken) each get their own frames.
      const [x, y] = [new Float32Array(3 * PER), new Float32Array(3 * PER)];
      await Promise.all([seq.readFramesInto!(0, 3, x), seq.readFramesInto!(3, 3, y)]);
      expect(Array.from(x)).toEqual(Array.from(await getFrames(seq, 0, 3)));
      expect(Array.from(y)).toEqual(Array.from(await getFrames(seq, 3, 3)));
    });
  }

  it('a NaN in frame 3 is reported as getFrame reports it: file[3] and the position in the frame', async () => {
    for (const descr of ['<f4', '<f8']) {
      const values = ramp(T * PER);
      values[3 * PER + 1 * 80 + 2 * 10 + 5] = NaN; // frame 3, [1, 2, 5]
      values[3 * PER + 2 * 80 + 7 * 10 + 9] = -Infinity; // frame 3, [2, 7, 9]
      const file = path.join(dir, `nan${descr.slice(1)}.npy`);
      writeFileSync(file, npyFile(descr, SHAPE, bytesOf(descr === '<f4' ? Float32Array.from(values) : Float64Array.from(values))));
      const seq = await openNpySequence(file, { cacheFrames: 0 });
      // Frames before 3 read fine.
      await seq.readFramesInto!(0, 3, new Float32Array(3 * PER));
      const viaGetFrame = await seq.getFrame(3).then(
        () => null,
        (e: unknown) => e,
      );
      expect(viaGetFrame).toBeInstanceOf(DataError);
      const err = await seq.readFramesInto!(1, 4, new Float32Array(4 * PER)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toBe((viaGetFrame as Error).message);
      expect((err as DataError).file).toBe(`${file}[3]`);
      expect((err as Error).message).toContain(`${path.basename(file)}[3]: `);
      expect((err as Error).message).toMatch(/2 non-finite values \(1 NaN, 0 \+Inf, 1 −Inf\), first at \[1, 2, 5\], \[2, 7, 9\]/);
    }
  });

  it('a file shorter than its header says fails with the file name; a file cut after open too', async () => {
    const file = path.join(dir, 'short.npy');
    writeFileSync(file, npyFile('<f4', SHAPE, bytesOf(Float32Array.from(ramp(T * PER)))));
    const header = await readNpyHeader(file);
    // The reader told there are 8 frames where the file holds 6: reading 5..8 runs past its end.
    const shared = new IdleFileHandle(file, header.fileSize);
    const into = npyFramesInto({ file, header, length: 8, frameShape: [3, 8, 10], shared });
    const short = await into(5, 3, new Float32Array(3 * PER)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(short).toBeInstanceOf(DataError);
    expect((short as DataError).file).toBe(file);
    expect((short as Error).message).toContain(`short.npy: ended after ${PER * 4} of ${3 * PER * 4} bytes`);
    await shared.close();
    // Opened whole, then truncated: the held handle reads short, or a reopened one sees the change.
    const seq = await openNpySequence(file, { cacheFrames: 0 });
    truncateSync(file, header.fileSize - 100);
    const err = await seq.readFramesInto!(0, T, new Float32Array(T * PER)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).file).toBe(file);
    expect((err as Error).message).toMatch(/^short\.npy: (ended after|changed since it was opened)/);
  });

  it('refuses a range outside the sequence and a buffer of the wrong size', async () => {
    const file = path.join(dir, 'range.npy');
    writeFileSync(file, npyFile('<f4', SHAPE, bytesOf(Float32Array.from(ramp(T * PER)))));
    const seq = await openNpySequence(file, { cacheFrames: 0 });
    await expect(seq.readFramesInto!(4, 3, new Float32Array(3 * PER))).rejects.toThrow(/frames \[4, 7\) are not within 0..6/);
    await expect(seq.readFramesInto!(-1, 1, new Float32Array(PER))).rejects.toThrow(RangeError);
    await expect(seq.readFramesInto!(0, 2, new Float32Array(PER))).rejects.toThrow(`need a buffer of ${2 * PER}, got ${PER}`);
  });

  it('integer sequences (class maps, occupancy: one-hot / BEV frames) do not offer it', async () => {
    const file = path.join(dir, 'classes.npy');
    writeFileSync(file, npyFile('|u1', [4, 16, 16], new Uint8Array(4 * 256).map((_, i) => i % 17)));
    const seq = await openNpySequence(file);
    expect(seq.readFramesInto).toBeUndefined();
  });

  it('firstNonFiniteFloat32 finds NaN, +Inf and −Inf and nothing in finite data', () => {
    const x = Float32Array.from(ramp(1000));
    expect(firstNonFiniteFloat32(x)).toBe(-1);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const y = x.slice();
      y[777] = bad;
      y[900] = bad;
      expect(firstNonFiniteFloat32(y)).toBe(777);
    }
    // Largest float32 is finite.
    expect(firstNonFiniteFloat32(Float32Array.of(3.4028234663852886e38, -3.4028234663852886e38))).toBe(-1);
  });
});
