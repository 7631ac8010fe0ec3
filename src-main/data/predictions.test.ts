import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataError } from './errors';
import { encodeNpy } from './npy';
import { readPredictions, writePredictions, type PredictionExpectation } from './predictions';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-predictions-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const expect16: PredictionExpectation = { codebookSize: 50, h: 4, w: 5, depth: 1, frames: 10 };

/** Ids 0…K−1 cycling, so every position is distinguishable and in range. */
function ids(n: number, K: number, start = 0): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (start + i * 7) % K);
}

/** A little-endian .npy of any dtype encodeNpy does not write (int64, int16, bool…). */
function rawNpy(descr: string, shape: number[], body: Uint8Array): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + body.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, total);
  return out;
}

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, bytes);
  return p;
}

async function problem(p: Promise<unknown>): Promise<DataError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataError);
  return err as DataError;
}

describe('readPredictions: layouts and round trip', () => {
  it('round-trips one rollout [T, h, w] written by writePredictions', async () => {
    const tokens = ids(6 * 4 * 5, 50);
    const p = path.join(dir, 'one.npy');
    await writePredictions(p, { tokens, rollouts: 1, frames: 6, h: 4, w: 5, depth: 1 });
    const back = await readPredictions(p, expect16, { offset: 3 });
    expect(back.shape).toEqual([6, 4, 5]);
    expect([back.rollouts, back.frames, back.h, back.w, back.depth, back.offset]).toEqual([1, 6, 4, 5, 1, 3]);
    expect(Array.from(back.tokens)).toEqual(Array.from(tokens));
  });

  it('round-trips R rollouts [R, T, h, w] and residual [R, T, h, w, depth]', async () => {
    const plain = ids(3 * 4 * 4 * 5, 50, 1);
    const p1 = path.join(dir, 'rollouts.npy');
    await writePredictions(p1, { tokens: plain, rollouts: 3, frames: 4, h: 4, w: 5, depth: 1 });
    const a = await readPredictions(p1, expect16);
    expect(a.shape).toEqual([3, 4, 4, 5]);
    expect([a.rollouts, a.frames, a.depth]).toEqual([3, 4, 1]);
    expect(Array.from(a.tokens)).toEqual(Array.from(plain));

    const resid = ids(2 * 4 * 4 * 5 * 3, 50, 2);
    const p2 = path.join(dir, 'residual.npy');
    await writePredictions(p2, { tokens: resid, rollouts: 2, frames: 4, h: 4, w: 5, depth: 3 });
    const b = await readPredictions(p2, { ...expect16, depth: 3 });
    expect(b.shape).toEqual([2, 4, 4, 5, 3]);
    expect([b.rollouts, b.frames, b.depth]).toEqual([2, 4, 3]);
    expect(Array.from(b.tokens)).toEqual(Array.from(resid));
  });

  it('reads [T, h, w, depth] as one residual rollout and [T, h, w, 1] as plain tokens', async () => {
    const resid = ids(5 * 4 * 5 * 2, 50);
    const a = await readPredictions(await file('t-depth.npy', encodeNpy(resid, [5, 4, 5, 2])), { ...expect16, depth: 2 });
    expect([a.rollouts, a.frames, a.depth]).toEqual([1, 5, 2]);
    const plain = ids(5 * 4 * 5, 50);
    const b = await readPredictions(await file('t-one.npy', encodeNpy(plain, [5, 4, 5, 1])), expect16);
    expect([b.rollouts, b.frames, b.depth]).toEqual([1, 5, 1]);
    expect(Array.from(b.tokens)).toEqual(Array.from(plain));
  });

  it('accepts uint8 and int64 ids (numpy default integer) and widens them to int32', async () => {
    const u8 = Uint8Array.from(ids(2 * 4 * 5, 50));
    const a = await readPredictions(await file('u8.npy', encodeNpy(u8, [2, 4, 5])), expect16);
    expect(a.dtype).toBe('uint8');
    expect(Array.from(a.tokens)).toEqual(Array.from(u8));
    const big = BigInt64Array.from(Array.from(ids(2 * 4 * 5, 50), (v) => BigInt(v)));
    const b = await readPredictions(await file('i8.npy', rawNpy('<i8', [2, 4, 5], new Uint8Array(big.buffer))), expect16);
    expect(b.dtype).toBe('int64');
    expect(Array.from(b.tokens)).toEqual(Array.from(big, Number));
  });

  it('aligns by timestamp to the nearest frame within half a frame interval', async () => {
    const p = await file('ts.npy', encodeNpy(ids(3 * 4 * 5, 50), [3, 4, 5]));
    const timestampsUs = Array.from({ length: 10 }, (_, i) => 1_000_000 + i * 100_000);
    const a = await readPredictions(p, { ...expect16, timestampsUs }, { startTimestampUs: 1_400_000 + 30_000 });
    expect(a.offset).toBe(4);
    const err = await problem(readPredictions(p, { ...expect16, timestampsUs }, { startTimestampUs: 5_000_000 }));
    expect(err.message).toMatch(/ts\.npy: start timestamp 5000000 µs matches no frame.*nearest is frame 9/);
    const noTs = await problem(readPredictions(p, expect16, { startTimestampUs: 1_000_000 }));
    expect(noTs.problem).toMatch(/no timestamps/);
  });
});

describe('readPredictions: bad input gives one clear error naming the file', () => {
  it('ids out of the codebook: says how many and the first, with its position', async () => {
    const bad = ids(2 * 4 * 5, 50);
    bad[7] = 50; // [0, 1, 2]
    bad[30] = -3;
    bad[31] = 99;
    const err = await problem(readPredictions(await file('range.npy', encodeNpy(bad, [2, 4, 5])), expect16));
    expect(err.message).toBe('range.npy: 3 ids are outside the codebook\'s range 0…49; the first is 50 at [0, 1, 2]');
    const big = new BigInt64Array(2 * 4 * 5);
    big[5] = 1n << 40n;
    const err64 = await problem(readPredictions(await file('range64.npy', rawNpy('<i8', [2, 4, 5], new Uint8Array(big.buffer))), expect16));
    expect(err64.problem).toMatch(/^1 id is outside the codebook's range 0…49; the first is 1099511627776 at \[0, 1, 0\]/);
  });

  it('a grid that does not match the checkpoint', async () => {
    const err = await problem(readPredictions(await file('grid.npy', encodeNpy(ids(2 * 8 * 8, 50), [2, 8, 8])), expect16));
    expect(err.message).toMatch(/^grid\.npy: shape 2×8×8 does not fit the checkpoint's 4×5 token grid \(frames are 8×8\); expected \[T, 4, 5\] or \[R, T, 4, 5\]/);
    const wrongAxes = await problem(readPredictions(await file('axes.npy', encodeNpy(ids(20, 50), [20])), expect16));
    expect(wrongAxes.problem).toMatch(/shape 20 does not fit .*\(1 axes\)/);
  });

  it('a residual depth that does not match the checkpoint', async () => {
    const deeper = await problem(readPredictions(await file('depth.npy', encodeNpy(ids(2 * 4 * 5 * 4, 50), [2, 4, 5, 4])), { ...expect16, depth: 2 }));
    expect(deeper.problem).toMatch(/has 4 ids per cell, but the checkpoint's residual depth is 2/);
    const flat = await problem(readPredictions(await file('flat.npy', encodeNpy(ids(2 * 4 * 5, 50), [2, 4, 5])), { ...expect16, depth: 2 }));
    expect(flat.problem).toMatch(/one id per cell, but the checkpoint's residual depth is 2/);
    const residForPlain = await problem(readPredictions(await file('resid.npy', encodeNpy(ids(2 * 4 * 5 * 3, 50), [2, 4, 5, 3])), expect16));
    expect(residForPlain.problem).toMatch(/looks like residual tokens of depth 3, but the checkpoint has depth 1/);
  });

  it('a length that does not fit the sequence, and a bad offset', async () => {
    const p = await file('long.npy', encodeNpy(ids(6 * 4 * 5, 50), [6, 4, 5]));
    const err = await problem(readPredictions(p, expect16, { offset: 5 }));
    expect(err.message).toBe(
      "long.npy: 6 predicted frames starting at sequence frame 5 run past the sequence's 10 frames (the last predicted frame would be 10, the last frame is 9)",
    );
    expect((await problem(readPredictions(p, expect16, { offset: -1 }))).problem).toMatch(/frame offset -1 is outside the sequence's frames 0…9/);
    expect((await problem(readPredictions(p, expect16, { offset: 2, startTimestampUs: 0 }))).problem).toMatch(/not both/);
  });

  it('float and bool arrays', async () => {
    const f = await problem(readPredictions(await file('float.npy', encodeNpy(new Float32Array(2 * 4 * 5), [2, 4, 5])), expect16));
    expect(f.message).toMatch(/^float\.npy: holds float32 values; predictions must be integer code ids \(save them with \.astype\(np\.int32\)\)$/);
    const d = await problem(readPredictions(await file('double.npy', encodeNpy(new Float64Array(2 * 4 * 5), [2, 4, 5])), expect16));
    expect(d.problem).toMatch(/float64/);
    const b = await problem(readPredictions(await file('bool.npy', rawNpy('|b1', [2, 4, 5], new Uint8Array(40))), expect16));
    expect(b.problem).toMatch(/holds bool values; predictions must be integer code ids/);
  });

  it('an empty array, a missing file and a file that is not .npy', async () => {
    const empty = await problem(readPredictions(await file('empty.npy', encodeNpy(new Int32Array(0), [0, 4, 5])), expect16));
    expect(empty.problem).toMatch(/is empty/);
    const missing = await problem(readPredictions(path.join(dir, 'nope.npy'), expect16));
    expect(missing.message).toBe('nope.npy: no such file');
    const junk = await problem(readPredictions(await file('junk.npy', new TextEncoder().encode('hello, not numpy')), expect16));
    expect(junk.problem).toMatch(/not a \.npy file/);
  });
});
