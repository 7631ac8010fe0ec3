/**
 * Walks a folder of broken files, generated here, and checks that each one gives a single
 * DataError that names the file and says what is wrong, through the same entry the app uses
 * (openPath, then the first frame) and through the specific readers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from './errors';
import { readPointCloud, readPointLabels } from './lidar';
import { encodeNpy, readNpy } from './npy';
import { readNpz } from './npz';
import { readOcc3d } from './occ3d';
import { openPath } from './open-path';

/** An .npy with any header text, for dtypes encodeNpy refuses to write. */
function rawNpy(descr: string, shape: number[], body: Uint8Array, version = 1): Uint8Array {
  const literal = descr.startsWith('[') ? descr : `'${descr}'`;
  const dict = `{'descr': ${literal}, 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const header = dict.padEnd(Math.ceil((dict.length + 11) / 64) * 64 - 11, ' ') + '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}

const CASES: { file: string; make: () => Uint8Array; problem: string | RegExp }[] = [
  {
    file: 'truncated.npy',
    make: () => encodeNpy(new Float32Array(34720 * 4), [34720, 4]).subarray(0, 128 + 1000),
    problem: 'truncated: header says 34720×4 float32 (555520 bytes) but 1000 bytes follow',
  },
  { file: 'bad-magic.npy', make: () => new TextEncoder().encode('PK\x03\x04 this is not numpy at all'), problem: /not a \.npy file: bad magic/ },
  { file: 'tiny.npy', make: () => new Uint8Array([0x93, 0x4e]), problem: /only 2 bytes, too short for a header/ },
  { file: 'version9.npy', make: () => rawNpy('<f4', [1], new Uint8Array(4), 9), problem: /unsupported \.npy format version 9\.0/ },
  { file: 'bad-header.npy', make: () => rawNpy('<f4', [1], new Uint8Array(4)).fill(0x41, 10, 20), problem: /bad \.npy header/ },
  { file: 'complex.npy', make: () => rawNpy('<c8', [2], new Uint8Array(16)), problem: /unsupported dtype '<c8' \(complex\)/ },
  { file: 'strings.npy', make: () => rawNpy('<U5', [2], new Uint8Array(40)), problem: /unsupported dtype '<U5' \(unicode string\)/ },
  { file: 'object.npy', make: () => rawNpy('|O', [2], new Uint8Array(16)), problem: /object arrays hold Python pickles, which are never loaded/ },
  { file: 'structured.npy', make: () => rawNpy("[('x', '<f4')]", [2], new Uint8Array(8)), problem: /unsupported dtype: structured \(record\) arrays are not read/ },
  {
    file: 'nan.npy',
    make: () => encodeNpy(new Float32Array([0, 1, NaN, 3, Infinity, 5, 6, 7]), [2, 2, 2]),
    problem: '2 non-finite values (1 NaN, 1 +Inf, 0 −Inf), first at [0, 1, 0], [1, 0, 0]',
  },
  { file: 'empty.npy', make: () => encodeNpy(new Float32Array(0), [0, 4]), problem: 'empty point cloud (0 points)' },
  { file: 'vector.npy', make: () => encodeNpy(new Float32Array(7), [7]), problem: /shape 7 float32 is neither a frame, a sequence nor a point cloud/ },
  { file: 'class-out-of-range.npy', make: () => encodeNpy(new Uint8Array([0, 1, 40, 2]), [2, 2]), problem: 'class 40 at [1, 0] is not a class id 0..17' },
  { file: 'empty.bin', make: () => new Uint8Array(0), problem: 'empty point cloud (0 bytes)' },
  { file: 'odd-size.bin', make: () => new Uint8Array(36), problem: /size 36 bytes fits no point layout: expected a multiple of 16 bytes .* or 20 bytes/ },
  {
    file: 'ambiguous.bin',
    make: () => new Uint8Array(320),
    problem: /ambiguous point layout: size 320 bytes fits both 20 points × 4 float32 .* and 16 points × 5/,
  },
  {
    file: 'nan-points.bin',
    make: () => new Uint8Array(new Float32Array([1, 2, NaN, 0, 4, 5, 6, 0, 7, 8, 9, 0]).buffer),
    problem: '1 non-finite values (1 NaN, 0 ±Inf) in the points, first at point 0 z',
  },
  {
    file: 'missing-member.npz',
    make: () => zipSync({ 'mask_lidar.npy': encodeNpy(new Uint8Array(8), [2, 2, 2]), 'other.npy': encodeNpy(new Uint8Array(1), [1]) }),
    problem: /holds 2 arrays \(mask_lidar, other\) and no 'semantics'/,
  },
  {
    file: 'occ-bad-shape.npz',
    make: () => zipSync({ 'semantics.npy': encodeNpy(new Uint8Array(16), [4, 4]) }),
    problem: "'semantics' has shape 4×4, expected 3 axes [X, Y, Z]",
  },
  {
    file: 'occ-bad-class.npz',
    make: () => zipSync({ 'semantics.npy': encodeNpy(new Uint8Array([17, 17, 99, 17, 17, 17, 17, 17]), [2, 2, 2]) }),
    problem: "'semantics' holds 99 at flat index 2; values must be 0..17",
  },
  { file: 'not-a-zip.npz', make: () => new TextEncoder().encode('hello, not a zip'), problem: /not a readable \.npz \(zip\) archive/ },
  {
    file: 'truncated-member.npz',
    make: () => zipSync({ 'a.npy': encodeNpy(new Float32Array(10), [10]).subarray(0, 128 + 36) }),
    problem: 'truncated: header says 10 float32 (40 bytes) but 36 bytes follow',
  },
  { file: 'notes.txt', make: () => new TextEncoder().encode('hi'), problem: 'unknown file type: expected .npy, .npz, .bin, .pcd.bin or a folder' },
];

describe('bad input: one clear error naming the file and the problem', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bad-input-'));
    for (const c of CASES) writeFileSync(path.join(dir, c.file), c.make());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(CASES.map((c) => [c.file, c] as const))('%s', async (_name, c) => {
    const file = path.join(dir, c.file);
    let caught: unknown;
    try {
      const seq = await openPath(file);
      await seq.getFrame(0);
    } catch (err) {
      caught = err;
    }
    expect(caught, `${c.file} opened without an error`).toBeInstanceOf(DataError);
    const e = caught as DataError;
    expect(e.message.startsWith(`${c.file}`), e.message).toBe(true);
    expect(e.file.startsWith(file)).toBe(true);
    if (typeof c.problem === 'string') expect(e.problem).toBe(c.problem);
    else expect(e.problem).toMatch(c.problem);
  });

  it('the specific readers say the same', async () => {
    await expect(readNpy(path.join(dir, 'truncated.npy'))).rejects.toThrow(/^truncated\.npy: truncated/);
    await expect(readNpz(path.join(dir, 'missing-member.npz'), ['semantics'])).rejects.toThrow(
      "missing-member.npz: no member 'semantics' in the archive; it holds 'mask_lidar', 'other'",
    );
    await expect(readOcc3d(path.join(dir, 'missing-member.npz'))).rejects.toThrow(/missing-member\.npz: no member 'semantics', 'mask_camera'/);
    await expect(readPointCloud(path.join(dir, 'empty.npy'))).rejects.toThrow('empty.npy: empty point cloud (0 points)');
    await expect(readPointCloud(path.join(dir, 'vector.npy'))).rejects.toThrow('vector.npy: shape 7 is not a point cloud: expected N×3, N×4 or N×5');
    await expect(readPointLabels(path.join(dir, 'nan.npy'))).rejects.toThrow(/nan\.npy: shape 2×2×2 is not a list of point labels/);
    await expect(readNpy(path.join(dir, 'no-such.npy'))).rejects.toThrow('no-such.npy: no such file');
    await expect(openPath(path.join(dir, 'no-such-folder'))).rejects.toThrow('no-such-folder: no such file or folder');
    await expect(readNpy(dir)).rejects.toThrow(/is a folder, not a file/);
  });

  it('a folder with one odd frame names that frame', async () => {
    const folder = path.join(dir, 'mixed');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'f1.npy'), encodeNpy(new Float32Array(12), [3, 2, 2]));
    writeFileSync(path.join(folder, 'f2.npy'), encodeNpy(new Float32Array(16), [4, 2, 2]));
    writeFileSync(path.join(folder, 'f10.npy'), encodeNpy(new Float32Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN]), [3, 2, 2]));
    const seq = await openPath(folder);
    await expect(seq.getFrame(1)).rejects.toThrow('f2.npy: frame is 4×2×2 but the sequence is 3×2×2 (from its first frame)');
    await expect(seq.getFrame(2)).rejects.toThrow('f10.npy: 1 non-finite values (1 NaN, 0 +Inf, 0 −Inf), first at [2, 1, 1]');
    const empty = path.join(dir, 'empty-folder');
    mkdirSync(empty);
    await expect(openPath(empty)).rejects.toThrow(/empty-folder: no frame files in the folder/);
  });
});
