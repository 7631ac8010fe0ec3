import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from './errors';
import { encodeNpy, halfToFloat, parseNpy, readNpy, toFloat32, toInt32, writeNpy } from './npy';
import { readNpz } from './npz';
import { HAS_NUMPY, PYTHON, SHARED_DATA } from './test-paths';

const SHARED = SHARED_DATA;
const PY = PYTHON;
const hasNumpy = HAS_NUMPY;

/**
 * numpy writes every dtype × byte order × memory order × format version into a temp dir, with a
 * JSON sidecar holding the expected C-order values (int64 as strings, NaN/Inf as strings).
 */
const GENERATE = String.raw`
import json, sys, os, numpy as np
out = sys.argv[1]
cases = []
base = np.arange(24).reshape(2, 3, 4)
kinds = {
  'int8': base - 12, 'uint8': base * 10, 'int16': base * -1000, 'uint16': base * 2000,
  'int32': base * -100000, 'uint32': base * 150000000, 'int64': base * -(2**40) + 7,
  'uint64': base * (2**58) + 3, 'float16': (base - 11.5) / 4, 'float32': (base - 11.5) / 3,
  'float64': (base - 11.5) / 7, 'bool': base % 3 == 0,
}
def enc(v):
  if isinstance(v, float) and (v != v or v in (float('inf'), float('-inf'))): return repr(v)
  return v
for name, arr in kinds.items():
  for order in '<>':
    for fortran in (False, True):
      for version in (1, 2, 3):
        dt = np.dtype(name)
        if dt.itemsize > 1: dt = dt.newbyteorder(order)
        a = arr.astype(dt)
        if fortran: a = np.asfortranarray(a)
        fn = '%s_%s_%s_v%d.npy' % (name, 'be' if order == '>' else 'le', 'F' if fortran else 'C', version)
        with open(os.path.join(out, fn), 'wb') as f:
          np.lib.format.write_array(f, a, version=(version, 0))
        flat = a.flatten(order='C')
        vals = [str(int(x)) if name in ('int64', 'uint64') else (bool(x) if name == 'bool' else enc(float(x))) for x in flat]
        cases.append({'file': fn, 'dtype': name, 'shape': list(a.shape), 'values': vals})
# Special float16 values and shapes numpy allows.
h = np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 6e-8, np.inf, -np.inf, np.nan], dtype='<f2')
np.save(os.path.join(out, 'half_special.npy'), h)
cases.append({'file': 'half_special.npy', 'dtype': 'float16', 'shape': [9], 'values': [enc(float(x)) for x in h]})
np.save(os.path.join(out, 'scalar.npy'), np.float64(3.25))
cases.append({'file': 'scalar.npy', 'dtype': 'float64', 'shape': [], 'values': [3.25]})
np.save(os.path.join(out, 'empty.npy'), np.zeros((0, 4), np.float32))
cases.append({'file': 'empty.npy', 'dtype': 'float32', 'shape': [0, 4], 'values': []})
np.savez(os.path.join(out, 'stored.npz'), a=np.arange(6, dtype=np.int32).reshape(2, 3), b=np.ones(3))
np.savez_compressed(os.path.join(out, 'deflate.npz'), a=np.arange(6, dtype=np.int32).reshape(2, 3), b=np.ones(3))
json.dump(cases, open(os.path.join(out, 'cases.json'), 'w'))
`;

interface Case {
  file: string;
  dtype: string;
  shape: number[];
  values: (number | string | boolean)[];
}

function expected(v: number | string | boolean): number | bigint {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return BigInt(v);
}

describe.skipIf(!hasNumpy)('parseNpy against numpy-written files (needs /usr/bin/python3 with numpy)', () => {
  let dir = '';
  let cases: Case[] = [];
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'npy-test-'));
    execFileSync(PY, ['-c', GENERATE, dir]);
    cases = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as Case[];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every dtype, byte order, memory order and version to the same C-order values', async () => {
    expect(cases.length).toBe(12 * 2 * 2 * 3 + 3);
    for (const c of cases) {
      const a = await readNpy(path.join(dir, c.file));
      expect(a.dtype, c.file).toBe(c.dtype);
      expect(a.shape, c.file).toEqual(c.shape);
      const got = Array.from(a.data as ArrayLike<number | bigint>);
      const want = c.values.map(expected);
      if (c.dtype.startsWith('float')) {
        // float16 values are exact in float32; float32/64 are read bit for bit.
        expect(got.map((x) => (Number.isNaN(x) ? 'nan' : x)), c.file).toEqual(
          want.map((x) => (typeof x === 'number' && Number.isNaN(x) ? 'nan' : c.dtype === 'float64' ? x : Math.fround(Number(x)))),
        );
      } else {
        expect(got, c.file).toEqual(want);
      }
    }
  });

  it('reads stored and deflate .npz members, only the ones asked for', async () => {
    for (const f of ['stored.npz', 'deflate.npz']) {
      const all = await readNpz(path.join(dir, f));
      expect(Object.keys(all).sort()).toEqual(['a', 'b']);
      expect(Array.from(all.a!.data as Int32Array)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(all.a!.shape).toEqual([2, 3]);
      const onlyB = await readNpz(path.join(dir, f), ['b']);
      expect(Object.keys(onlyB)).toEqual(['b']);
      expect(Array.from(onlyB.b!.data as Float64Array)).toEqual([1, 1, 1]);
      await expect(readNpz(path.join(dir, f), ['c'])).rejects.toThrow(`${f}: no member 'c' in the archive; it holds 'a', 'b'`);
    }
  });

  it('writes files numpy reads back identically', async () => {
    const data = new Float32Array([1.5, -2, 3.25, Math.PI, -0, 1e-30]);
    const file = path.join(dir, 'written.npy');
    await writeNpy(file, data, [2, 3]);
    const out = execFileSync(PY, ['-c', `import numpy as np, json; a = np.load(${JSON.stringify(file)}); print(json.dumps([str(a.dtype), list(a.shape), a.flatten().tolist()]))`]);
    const [dtype, shape, values] = JSON.parse(out.toString()) as [string, number[], number[]];
    expect(dtype).toBe('float32');
    expect(shape).toEqual([2, 3]);
    expect(values).toEqual(Array.from(data));
  });
});

describe('parseNpy / encodeNpy round trip and conversions', () => {
  it('round-trips every encodable type, with a 64-byte aligned header', () => {
    const arrays = [
      new Float32Array([1, 2.5, -3]),
      new Int32Array([-7, 0, 2147483647]),
      new Uint8Array([0, 255, 17]),
      new Float64Array([Math.E, -1e300, 0.1]),
    ];
    for (const a of arrays) {
      const bytes = encodeNpy(a, [3, 1]);
      const headerLen = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLen) % 64).toBe(0);
      const back = parseNpy(bytes, 'x.npy');
      expect(back.shape).toEqual([3, 1]);
      expect(Array.from(back.data as ArrayLike<number>)).toEqual(Array.from(a));
    }
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/holds 6 values but data has 5/);
  });

  it('decodes float16 specials', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('toInt32 converts labels and refuses fractions and overflow, naming the file', () => {
    const labels = { dtype: 'float64' as const, shape: [3], data: new Float64Array([0, 16, 4]), source: 'pc_seman_1.npy' };
    expect(Array.from(toInt32(labels))).toEqual([0, 16, 4]);
    const frac = { ...labels, data: new Float64Array([1, 2.5]) };
    expect(() => toInt32(frac)).toThrow('pc_seman_1.npy: value 2.5 at flat index 1 is not an integer');
    const big = { dtype: 'int64' as const, shape: [2], data: new BigInt64Array([1n, 2n ** 40n]), source: 'ids.npy' };
    expect(() => toInt32(big)).toThrow(DataError);
    expect(() => toInt32(big)).toThrow('ids.npy: value 1099511627776 at flat index 1 does not fit in int32');
    const u = { dtype: 'uint64' as const, shape: [2], data: new BigUint64Array([5n, 9n]) };
    expect(Array.from(toFloat32(u))).toEqual([5, 9]);
  });

  it('gives a truncation error that says how many bytes were expected and found', () => {
    const full = encodeNpy(new Float32Array(34720 * 4), [34720, 4]);
    const cut = full.subarray(0, 128 + 1000);
    expect(() => parseNpy(cut, '/some/where/pc3.npy')).toThrow(
      'pc3.npy: truncated: header says 34720×4 float32 (555520 bytes) but 1000 bytes follow',
    );
  });
});

describe('the shared real data', () => {
  it('reads the 11 lidar sweeps and their labels', async () => {
    const pc = await readNpy(path.join(SHARED, 'nuscenes-lidarseg-seq11/pc/pc3.npy'));
    expect(pc.dtype).toBe('float32');
    expect(pc.shape).toEqual([34720, 4]);
    const sem = await readNpy(path.join(SHARED, 'nuscenes-lidarseg-seq11/pc_seman/pc_seman_3.npy'));
    expect(sem.dtype).toBe('float64');
    expect(sem.shape).toEqual([34720, 4]);
    // Same points in both files; the 4th column of pc_seman holds classes 0..16.
    const xyz = pc.data as Float32Array;
    const s = sem.data as Float64Array;
    for (const i of [0, 1000, 34719]) expect(xyz[i * 4]).toBe(Math.fround(s[i * 4]!));
    const labels = new Int32Array(34720);
    for (let i = 0; i < 34720; i++) labels[i] = s[i * 4 + 3]!;
    expect(Math.min(...labels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...labels)).toBeLessThanOrEqual(16);
  });

  it('reads the Occ3D sample: three 200×200×16 uint8 members, 39,092 non-free voxels', async () => {
    const z = await readNpz(path.join(SHARED, 'occ3d-nuscenes-sample/labels.npz'));
    expect(Object.keys(z).sort()).toEqual(['mask_camera', 'mask_lidar', 'semantics']);
    for (const a of Object.values(z)) {
      expect(a.dtype).toBe('uint8');
      expect(a.shape).toEqual([200, 200, 16]);
    }
    let nonFree = 0;
    for (const v of z.semantics!.data as Uint8Array) if (v !== 17) nonFree++;
    expect(nonFree).toBe(39092);
  });
});
