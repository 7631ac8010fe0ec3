/**
 * The wire format of the WebSocket front door: any JSON-like value in which typed arrays travel
 * as raw bytes, not as JSON numbers or base64. Plain TypeScript with no Node APIs, because the
 * renderer's client (in a browser) and the server (in Node) both use it.
 *
 * One message is one binary WebSocket frame:
 *
 *   bytes 0..3   magic "TSC1"
 *   bytes 4..7   u32 little-endian: length L of the JSON header
 *   bytes 8..    L bytes of UTF-8 JSON: { "v": value, "b": [[offset, byteLength], …] }
 *   then         each typed array's bytes, starting at an offset that is a multiple of 8
 *
 * Inside `v` a typed array is replaced by `{ "__ta__": "Float32Array", "b": i }` (i indexes "b"),
 * and numbers JSON cannot hold (NaN, ±Infinity: a metric of an empty class is NaN) by
 * `{ "__num__": "NaN" }`. A plain object that happens to carry one of these keys is wrapped in
 * `{ "__esc__": … }` so that decoding gives it back unchanged. Byte order is the platform's
 * (little-endian on every machine Electron and Chromium run on).
 */

const MAGIC = [0x54, 0x53, 0x43, 0x31]; // "TSC1"
const ALIGN = 8;

const TYPED_ARRAYS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;

type TypedArrayName = keyof typeof TYPED_ARRAYS;
type AnyTypedArray = InstanceType<(typeof TYPED_ARRAYS)[TypedArrayName]>;

const TAG_ARRAY = '__ta__';
const TAG_NUMBER = '__num__';
const TAG_ESCAPE = '__esc__';

export class CodecError extends Error {
  constructor(problem: string) {
    super(`message codec: ${problem}`);
    this.name = 'CodecError';
  }
}

function typedArrayName(value: ArrayBufferView): TypedArrayName | null {
  for (const name of Object.keys(TYPED_ARRAYS) as TypedArrayName[]) {
    if (value instanceof TYPED_ARRAYS[name]) return name;
  }
  return null;
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Encodes a value into one binary message. */
export function encodeMessage(value: unknown): Uint8Array {
  const arrays: Uint8Array[] = [];
  const seen = new Set<object>();

  const walk = (v: unknown): unknown => {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return v;
      return { [TAG_NUMBER]: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
    }
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'bigint') throw new CodecError('a bigint outside a typed array cannot be sent');
      if (typeof v === 'function' || typeof v === 'symbol') return undefined;
      return v;
    }
    if (ArrayBuffer.isView(v)) {
      const name = typedArrayName(v);
      if (!name) throw new CodecError(`${v.constructor.name} cannot be sent (only typed arrays)`);
      arrays.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return { [TAG_ARRAY]: name, b: arrays.length - 1 };
    }
    if (v instanceof ArrayBuffer) throw new CodecError('send a typed array, not a bare ArrayBuffer');
    if (seen.has(v)) throw new CodecError('circular structure');
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((item) => (item === undefined ? null : walk(item)));
      const out: Record<string, unknown> = {};
      let tagged = false;
      for (const [key, item] of Object.entries(v)) {
        if (item === undefined) continue;
        if (key === TAG_ARRAY || key === TAG_NUMBER || key === TAG_ESCAPE) tagged = true;
        out[key] = walk(item);
      }
      return tagged ? { [TAG_ESCAPE]: out } : out;
    } finally {
      seen.delete(v);
    }
  };

  const tree = walk(value);
  const table: [number, number][] = [];
  let offset = 0;
  for (const bytes of arrays) {
    table.push([offset, bytes.byteLength]);
    offset = alignUp(offset + bytes.byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({ v: tree ?? null, b: table }));
  const dataStart = alignUp(8 + header.byteLength);
  const out = new Uint8Array(dataStart + offset);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, header.byteLength, true);
  out.set(header, 8);
  arrays.forEach((bytes, i) => out.set(bytes, dataStart + table[i]![0]));
  return out;
}

/**
 * Decodes one message. Typed arrays are views on the message's bytes when they are aligned
 * (the usual case: a browser hands each frame over as its own ArrayBuffer) and copies otherwise
 * (Node's `ws` may hand over a slice of a pooled buffer at any offset).
 */
export function decodeMessage(message: Uint8Array | ArrayBuffer): unknown {
  const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
  if (bytes.byteLength < 8 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new CodecError('not a TokenScope message (bad magic)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.byteLength) {
    throw new CodecError(`truncated: header says ${headerLength} bytes of JSON but ${bytes.byteLength - 8} follow`);
  }
  let parsed: { v: unknown; b: [number, number][] };
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (err) {
    throw new CodecError(`bad JSON header: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.b)) {
    throw new CodecError('bad header: no buffer table');
  }
  const dataStart = alignUp(8 + headerLength);

  const array = (name: unknown, index: unknown): AnyTypedArray => {
    if (typeof name !== 'string' || !(name in TYPED_ARRAYS)) throw new CodecError(`unknown typed array ${String(name)}`);
    const ctor = TYPED_ARRAYS[name as TypedArrayName];
    const entry = typeof index === 'number' ? parsed.b[index] : undefined;
    if (!entry) throw new CodecError(`typed array refers to missing buffer ${String(index)}`);
    const [off, len] = entry;
    const start = dataStart + off;
    if (!(off >= 0 && len >= 0 && start + len <= bytes.byteLength)) {
      throw new CodecError(`buffer ${String(index)} (${len} bytes at ${off}) runs past the message's end`);
    }
    if (len % ctor.BYTES_PER_ELEMENT !== 0) {
      throw new CodecError(`buffer ${String(index)} is ${len} bytes, not a whole number of ${name} elements`);
    }
    const absolute = bytes.byteOffset + start;
    if (absolute % ctor.BYTES_PER_ELEMENT === 0) {
      return new ctor(bytes.buffer as ArrayBuffer, absolute, len / ctor.BYTES_PER_ELEMENT);
    }
    const copy = bytes.slice(start, start + len);
    return new ctor(copy.buffer, 0, len / ctor.BYTES_PER_ELEMENT);
  };

  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(walk);
    const o = v as Record<string, unknown>;
    if (TAG_ARRAY in o) return array(o[TAG_ARRAY], o.b);
    if (TAG_NUMBER in o) {
      const n = o[TAG_NUMBER];
      if (n === 'NaN') return NaN;
      if (n === 'Infinity') return Infinity;
      if (n === '-Infinity') return -Infinity;
      throw new CodecError(`unknown number tag ${String(n)}`);
    }
    const source = TAG_ESCAPE in o ? (o[TAG_ESCAPE] as Record<string, unknown>) : o;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(source)) out[key] = walk(item);
    return out;
  };

  return walk(parsed.v);
}
