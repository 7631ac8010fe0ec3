import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
  halfToFloat32,
  SafetensorsError,
  type TensorToWrite,
} from './safetensors';
import { probePython, runPython } from './python-check';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-safetensors-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function sample(): Record<string, TensorToWrite> {
  const w = new Float32Array(2 * 3 * 4);
  for (let i = 0; i < w.length; i++) w[i] = Math.fround(Math.sin(i) * 3.7 - 0.25);
  return {
    'encoder.net.0.weight': { dtype: 'F32', shape: [2, 3, 2, 2], data: w },
    'quantizer.cluster_size': { dtype: 'F32', shape: [3], data: new Float32Array([1, 0.5, -2e-30]) },
    ids: { dtype: 'I32', shape: [2, 2], data: new Int32Array([-2147483648, 0, 7, 2147483647]) },
    step: { dtype: 'I64', shape: [], data: new BigInt64Array([9007199254740993n]) },
    widened: { dtype: 'I64', shape: [3], data: new Int32Array([-1, 0, 123456]) },
    empty: { dtype: 'F32', shape: [0, 5], data: new Float32Array(0) },
  };
}

/** Builds a raw file from a header object and a data buffer, for the validation tests. */
function rawFile(header: unknown, data: Uint8Array, lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors encode/decode', () => {
  it('round-trips F32, I32 and I64 values, shapes and metadata exactly', () => {
    const src = sample();
    const bytes = encodeSafetensors(src, { format: 'pt', note: 'héllo' });
    const back = decodeSafetensors(bytes, 'mem');
    expect(back.metadata).toEqual({ format: 'pt', note: 'héllo' });
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(src).sort());
    expect(back.tensors['encoder.net.0.weight']!.shape).toEqual([2, 3, 2, 2]);
    expect(Array.from(back.tensors['encoder.net.0.weight']!.data as Float32Array)).toEqual(Array.from(src['encoder.net.0.weight']!.data as Float32Array));
    expect(Array.from(back.tensors['quantizer.cluster_size']!.data as Float32Array)).toEqual([1, 0.5, Math.fround(-2e-30)]);
    expect(Array.from(back.tensors.ids!.data as Int32Array)).toEqual([-2147483648, 0, 7, 2147483647]);
    expect(back.tensors.step!.shape).toEqual([]);
    expect((back.tensors.step!.data as BigInt64Array)[0]).toBe(9007199254740993n);
    expect(Array.from(back.tensors.widened!.data as BigInt64Array)).toEqual([-1n, 0n, 123456n]);
    expect(back.tensors.empty!.shape).toEqual([0, 5]);
    expect(back.tensors.empty!.data.length).toBe(0);
  });

  it('pads the header with spaces to a multiple of 8 and aligns every tensor', () => {
    const bytes = encodeSafetensors(sample());
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.slice(text.lastIndexOf('}') + 1)).toMatch(/^ *$/);
    const header = JSON.parse(text) as Record<string, { dtype: string; data_offsets: [number, number] }>;
    for (const [name, e] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const width = e.dtype === 'I64' ? 8 : 4;
      expect((8 + n + e.data_offsets[0]) % width, name).toBe(0);
    }
  });

  it('refuses to write data that does not match its dtype or shape', () => {
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Int32Array(2) } })).toThrow(/"a" is declared F32 but holds a Int32Array/);
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/"a" has 2 values for shape \[3\]/);
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [0], data: new Float32Array(0) } })).toThrow(/invalid tensor name/);
  });

  it('decodes F16 (normal, subnormal, infinities, NaN) and BF16', () => {
    const half = halfToFloat32(new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x8000]));
    expect(Array.from(half.slice(0, 6))).toEqual([1, -2, 2 ** -24, 65504, Infinity, -Infinity]);
    expect(Number.isNaN(half[6])).toBe(true);
    expect(Object.is(half[7], -0)).toBe(true);

    const bf = new Uint16Array([0x3f80, 0xc0a0]); // 1.0, -5.0
    const raw = rawFile({ b: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(bf.buffer));
    expect(Array.from(decodeSafetensors(raw, 'bf.safetensors').tensors.b!.data as Float32Array)).toEqual([1, -5]);
  });
});

describe('safetensors validation: every corrupt file gives one clear error naming the file', () => {
  const f32 = (n: number) => new Uint8Array(new Float32Array(n).buffer);
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['shorter than the length field', new Uint8Array(5), /bad\.safetensors: file is 5 bytes, too short/],
    ['header length beyond the file', rawFile({}, new Uint8Array(0), 1000n), /header length 1000 runs past the end of the file/],
    ['header not JSON', (() => { const b = rawFile({ a: 1 }, new Uint8Array(0)); b[8] = 0x5b; return b; })(), /header is not valid UTF-8 JSON/],
    ['unknown dtype', rawFile({ a: { dtype: 'Q4', shape: [1], data_offsets: [0, 4] } }, f32(1)), /tensor "a": unknown or unsupported dtype "Q4"/],
    ['shape × dtype ≠ span', rawFile({ a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }, f32(3)), /tensor "a": shape \[2,2\] × F32 \(4 bytes\) needs 16 bytes but data_offsets span 12/],
    ['offsets out of range', rawFile({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32(2)), /tensor "a": data_offsets \[0, 16\] run past the data buffer \(8 bytes\)/],
    [
      'overlapping offsets',
      rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(3)),
      /tensor "b" bytes \[4, 12\) overlap tensor "a"/,
    ],
    ['a hole between tensors', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)), /gap of 4 bytes before tensor "a"/],
    ['trailing bytes', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2)), /data buffer is 8 bytes but the tensors cover 4: trailing bytes/],
    ['end before begin', rawFile({ a: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, f32(1)), /end before they begin/],
    ['negative shape', rawFile({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }, f32(0)), /shape \[-1\] is not a list of non-negative integers/],
    ['non-string metadata', rawFile({ __metadata__: { step: 3 } }, f32(0)), /__metadata__\["step"\] is not a string/],
  ];
  for (const [what, bytes, message] of cases) {
    it(what, () => {
      let caught: unknown;
      try {
        decodeSafetensors(bytes, 'bad.safetensors');
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(SafetensorsError);
      expect((caught as Error).message).toMatch(/^bad\.safetensors: /);
      expect((caught as Error).message).toMatch(message);
    });
  }

  it('a file truncated by one byte is refused, by the full reader and by the header reader', async () => {
    const file = path.join(dir, 'trunc.safetensors');
    const bytes = encodeSafetensors(sample());
    await fs.writeFile(file, bytes.subarray(0, bytes.length - 1));
    await expect(readSafetensors(file)).rejects.toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*(run past|truncated)`));
    await expect(readSafetensorsHeader(file)).rejects.toThrow(/truncated|run past/);
  });

  it('writes atomically and reads the header alone', async () => {
    const file = path.join(dir, 'w.safetensors');
    await writeSafetensors(file, sample(), { a: 'b' });
    const h = await readSafetensorsHeader(file);
    expect(h.metadata).toEqual({ a: 'b' });
    expect(h.entries['encoder.net.0.weight']).toMatchObject({ dtype: 'F32', shape: [2, 3, 2, 2] });
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

// A tiny independent safetensors reader/writer in Python (struct + json + numpy), since torch
// 1.13 ships without the safetensors package: files written here must read there, and back.
const PY_READ = String.raw`
import json, struct, sys
import numpy as np
DT = {'F64': '<f8', 'F32': '<f4', 'F16': '<f2', 'I64': '<i8', 'I32': '<i4', 'U8': 'u1'}
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
assert n % 8 == 0, 'header not padded to 8'
head = json.loads(raw[8:8 + n].decode('utf-8'))
data = raw[8 + n:]
out = {'__metadata__': head.pop('__metadata__', None), 'tensors': {}}
for name, e in head.items():
    b, end = e['data_offsets']
    arr = np.frombuffer(data[b:end], dtype=DT[e['dtype']]).reshape(e['shape'])
    out['tensors'][name] = {'dtype': e['dtype'], 'shape': list(arr.shape), 'values': [int(v) if arr.dtype.kind == 'i' else float(v) for v in arr.reshape(-1)]}
print(json.dumps(out))
`;

const PY_WRITE = String.raw`
import json, struct, sys
import numpy as np
rng = np.random.default_rng(7)
f32 = (rng.standard_normal((3, 4)) * 10).astype('<f4')
f16 = np.array([1.0, -2.5, 65504.0, 6e-8, 0.1], dtype='<f2')
bf_src = np.array([3.140625, -0.5, 1e20], dtype='<f4')
bf16 = (bf_src.view('<u4') >> 16).astype('<u2')
i32 = np.array([[-7, 0], [2**31 - 1, -2**31]], dtype='<i4')
i64 = np.array([-(2**40), 5, 2**53 + 1], dtype='<i8')
u8 = np.array([0, 1, 255], dtype='u1')
# Deliberately unaligned, in an order unlike ours: U8 first, so F32 starts at offset 3.
parts = [('u8', 'U8', u8), ('f32', 'F32', f32), ('f16', 'F16', f16), ('bf16', 'BF16', bf16), ('i64', 'I64', i64), ('i32', 'I32', i32)]
header, blobs, off = {'__metadata__': {'format': 'pt', 'by': 'python'}}, [], 0
for name, dt, arr in parts:
    b = arr.tobytes()
    header[name] = {'dtype': dt, 'shape': list(arr.shape), 'data_offsets': [off, off + len(b)]}
    blobs.append(b); off += len(b)
h = json.dumps(header).encode('utf-8')
h += b' ' * ((8 - len(h) % 8) % 8)
open(sys.argv[1], 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
expect = {
  'u8': u8.tolist(), 'f32': [float(v) for v in f32.reshape(-1)], 'f16': [float(v) for v in f16.astype('f4')],
  'bf16': [float(v) for v in (bf16.astype('<u4') << 16).view('<f4')], 'i64': [int(v) for v in i64], 'i32': i32.reshape(-1).tolist(),
}
print(json.dumps(expect))
`;

const py = probePython(['numpy']);
describe.skipIf(!py.ok)(`safetensors against an independent Python reader/writer${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  it('python reads what TokenScope writes, value for value', async () => {
    const file = path.join(dir, 'to-python.safetensors');
    const src = sample();
    await writeSafetensors(file, src, { format: 'pt' });
    const got = JSON.parse(runPython(PY_READ, [file])) as {
      __metadata__: Record<string, string>;
      tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>;
    };
    expect(got.__metadata__).toEqual({ format: 'pt' });
    for (const [name, t] of Object.entries(src)) {
      const p = got.tensors[name]!;
      expect(p.dtype, name).toBe(t.dtype);
      expect(p.shape, name).toEqual([...t.shape]);
      if (name === 'step') continue; // 2^53 + 1 is not representable in JSON → checked below
      expect(p.values, name).toEqual(Array.from(t.data as ArrayLike<number>, Number));
    }
    expect(got.tensors.step!.values[0]).toBeCloseTo(9007199254740993, -2);
  });

  it('TokenScope reads what python writes: F32/F16/BF16/I32/I64/U8 at unaligned offsets', () => {
    const file = path.join(dir, 'from-python.safetensors');
    const expected = JSON.parse(runPython(PY_WRITE, [file])) as Record<string, number[]>;
    return fs.readFile(file).then((bytes) => {
      const got = decodeSafetensors(bytes, file);
      expect(got.metadata).toEqual({ format: 'pt', by: 'python' });
      expect(got.tensors.f32!.shape).toEqual([3, 4]);
      expect(Array.from(got.tensors.f32!.data as Float32Array)).toEqual(expected.f32);
      expect(Array.from(got.tensors.f16!.data as Float32Array)).toEqual(expected.f16);
      expect(Array.from(got.tensors.bf16!.data as Float32Array)).toEqual(expected.bf16);
      expect(Array.from(got.tensors.i32!.data as Int32Array)).toEqual(expected.i32);
      expect(Array.from(got.tensors.u8!.data as Uint8Array)).toEqual(expected.u8);
      // i64 values beyond 2^53 lose precision in JSON; these fit.
      expect(Array.from(got.tensors.i64!.data as BigInt64Array, Number)).toEqual(expected.i64);
    });
  });
});
