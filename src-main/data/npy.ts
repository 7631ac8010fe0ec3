/**
 * NumPy `.npy` reading and writing.
 *
 * Written by hand on purpose: the npm readers (npyjs and friends) handle little-endian C-order
 * version-1 files only, while the data teams keep big-endian, Fortran-order, float16 and
 * version 2/3 files too, and every failure here must become one DataError naming the file.
 * The format is small and fully specified (numpy/lib/format.py), so a parser is ~200 lines.
 */
import { writeFileAtomic } from '../util/atomic-write';
import { DataError } from './errors';
import { checkMemory } from './memory-budget';
import { readBytes } from './read-bytes';

export type NpyDtype =
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'bool';

/** Native-endian, C-order values. float16 arrives widened to Float32Array, bool as 0/1 bytes. */
export type NpyData =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

export interface NpyArray {
  /** The dtype stored in the file (float16 data is widened to float32 but keeps 'float16' here). */
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
  /** The file (or `file[member]` inside an .npz) it came from, for error messages downstream. */
  source?: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const MAX_HEADER_BYTES = 10_000;

/** numpy kind letter + item size → our dtype. */
const DTYPES: Record<string, NpyDtype> = {
  b1: 'bool',
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  u8: 'uint64',
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
};

const ITEM_SIZE: Record<NpyDtype, number> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float16: 2,
  float32: 4,
  float64: 8,
};

/** What numpy's kind letters mean, for the "unsupported dtype" message. */
const KIND_NAMES: Record<string, string> = {
  c: 'complex',
  U: 'unicode string',
  S: 'byte string',
  a: 'byte string',
  V: 'void/structured',
  M: 'datetime64',
  m: 'timedelta64',
  O: 'object',
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `34720×4`, the way errors and metadata print a shape. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** What an .npy header says, and where its data lies in the file. */
export interface NpyHeader {
  dtype: NpyDtype;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first value (magic + version + length field + header text). */
  dataStart: number;
  /** Bytes of one value in the file (float16: 2, though it is read as float32). */
  itemSize: number;
  /** Bytes of data the shape implies. */
  nbytes: number;
}

/** The most bytes an .npy header can take: the 12-byte prefix of versions 2/3 and numpy's header cap. */
export const NPY_MAX_PREFIX_BYTES = 12 + MAX_HEADER_BYTES;

/**
 * Parses an .npy header from the first bytes of a file (all of it, or at least its first
 * `NPY_MAX_PREFIX_BYTES`), and checks the file's `fileSize` against the shape: a truncated
 * file or trailing bytes are refused before any data is read. `source` names the file in errors.
 */
export function parseNpyHeader(bytes: Uint8Array, source: string, fileSize = bytes.length): NpyHeader {
  if (bytes.length < 10) {
    throw new DataError(source, `not a .npy file: only ${bytes.length} bytes, too short for a header`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      const head = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new DataError(source, `not a .npy file: bad magic (starts with ${head}, expected 93 4e 55 4d 50 59 "\\x93NUMPY")`);
    }
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3) {
    throw new DataError(source, `unsupported .npy format version ${major}.${minor} (1.0 to 3.0 are read)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else {
    if (bytes.length < 12) throw new DataError(source, `truncated: the version ${major}.0 header length is cut off`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  }
  // numpy's own np.load refuses headers over 10,000 bytes (format.py's _MAX_HEADER_SIZE) as unsafe to parse.
  if (headerLen > MAX_HEADER_BYTES) {
    throw new DataError(source, `header is ${headerLen} bytes; numpy itself refuses .npy headers over ${MAX_HEADER_BYTES} bytes as unsafe`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) {
    throw new DataError(source, `truncated: header says it is ${headerLen} bytes long but only ${bytes.length - headerStart} follow`);
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  // Version 3 exists only to allow utf-8 field names; 1 and 2 are latin-1.
  const header = major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : latin1(headerBytes);
  const { descr, fortranOrder, shape } = parseHeader(header, source);

  const { dtype, littleEndian } = parseDescr(descr, source);
  const itemSize = ITEM_SIZE[dtype];
  const nbytes = shapeSize(shape) * itemSize;
  if (!Number.isSafeInteger(nbytes)) throw new DataError(source, `shape ${formatShape(shape)} ${dtype} is impossibly large`);
  const available = fileSize - dataStart;
  if (available < nbytes) {
    throw new DataError(
      source,
      `truncated: header says ${formatShape(shape)} ${dtype} (${nbytes} bytes) but ${available} bytes follow`,
    );
  }
  if (available > nbytes) {
    throw new DataError(
      source,
      `${available - nbytes} unexpected bytes after the data: header says ${formatShape(shape)} ${dtype} (${nbytes} bytes) but ${available} bytes follow`,
    );
  }
  return { dtype, littleEndian, fortranOrder, shape, dataStart, itemSize, nbytes };
}

/**
 * Values of `size` items read raw from an .npy (C order) as native-endian typed data. `raw`
 * must be a fresh buffer of its own (offset 0): it is byte-swapped in place and viewed.
 */
export function decodeNpyValues(raw: Uint8Array, header: Pick<NpyHeader, 'dtype' | 'littleEndian' | 'itemSize'>, size: number): NpyData {
  if (raw.byteOffset !== 0) throw new RangeError('decodeNpyValues: raw must start its own buffer');
  if (header.itemSize > 1 && header.littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(raw, header.itemSize);
  return typedView(header.dtype, raw, size);
}

/** Parses the bytes of an .npy file; `source` names the file in errors. */
export function parseNpy(bytes: Uint8Array, source: string): NpyArray {
  const header = parseNpyHeader(bytes, source);
  const { dtype, shape, itemSize, dataStart, nbytes } = header;
  const size = shapeSize(shape);
  // The copy below, plus the float32 frame most readers make of it.
  checkMemory(source, size * (itemSize + 4), `the array ${formatShape(shape)} ${dtype}`);
  // Copy into a fresh buffer: aligned for typed-array views, and safe to byte-swap in place.
  const raw = bytes.slice(dataStart, dataStart + nbytes);
  let data = decodeNpyValues(raw, header, size);
  if (header.fortranOrder && shape.length > 1) data = fortranToC(data, shape);
  return { dtype, shape, data, source };
}

export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readBytes(path), path);
}

type EncodableData = Float32Array | Int32Array | Uint8Array | Float64Array;

/** Encodes a C-order little-endian .npy, format 1.0 (2.0 only if the header would not fit). */
export function encodeNpy(data: EncodableData, shape: number[]): Uint8Array {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`encodeNpy: bad shape ${JSON.stringify(shape)}`);
  }
  if (shapeSize(shape) !== data.length) {
    throw new RangeError(`encodeNpy: shape ${formatShape(shape)} holds ${shapeSize(shape)} values but data has ${data.length}`);
  }
  const descr =
    data instanceof Float32Array ? '<f4' : data instanceof Int32Array ? '<i4' : data instanceof Float64Array ? '<f8' : '|u1';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let major = 1;
  let prefix = 10;
  // numpy pads so the data starts on a 64-byte boundary, the header ending in '\n'.
  let total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > 0xffff) {
    major = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  }
  const headerLen = total - prefix;
  const header = dict.padEnd(headerLen - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  const itemSize = data.BYTES_PER_ELEMENT;
  if (itemSize > 1 && !HOST_LITTLE_ENDIAN) swapBytes(body, itemSize);
  out.set(body, total);
  return out;
}

export async function writeNpy(path: string, data: EncodableData, shape: number[]): Promise<void> {
  await writeFileAtomic(path, encodeNpy(data, shape));
}

/** Values as float32 (int64 through Number, so beyond 2^53 they round). Float32 data is returned as is. */
export function toFloat32(a: NpyArray): Float32Array {
  const d = a.data;
  if (d instanceof Float32Array) return d;
  const out = new Float32Array(d.length);
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]!);
  } else {
    out.set(d);
  }
  return out;
}

/**
 * Values as int32, for class labels and indices. A value that is not an integer or does not
 * fit is an error naming the array's file and the first offending position.
 */
export function toInt32(a: NpyArray): Int32Array {
  const d = a.data;
  if (d instanceof Int32Array) return d;
  const out = new Int32Array(d.length);
  if (d instanceof Int8Array || d instanceof Uint8Array || d instanceof Int16Array || d instanceof Uint16Array) {
    out.set(d);
    return out;
  }
  const fail = (i: number, why: string): never => {
    throw new DataError(a.source ?? 'array', `value ${String(d[i])} at flat index ${i} ${why}`);
  };
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (v < -2147483648n || v > 2147483647n) fail(i, 'does not fit in int32');
      out[i] = Number(v);
    }
    return out;
  }
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isInteger(v)) fail(i, 'is not an integer');
    if (v < -2147483648 || v > 2147483647) fail(i, 'does not fit in int32');
    out[i] = v;
  }
  return out;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** Reads the three keys of the header's Python dict literal without evaluating anything. */
function parseHeader(header: string, source: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const text = header.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) {
    throw new DataError(source, `bad .npy header: expected a dict literal, got ${JSON.stringify(text.slice(0, 80))}`);
  }
  const descrMatch = /['"]descr['"]\s*:\s*(?:'([^']*)'|"([^"]*)"|(\[))/.exec(text);
  if (!descrMatch) throw new DataError(source, `bad .npy header: no 'descr' key in ${JSON.stringify(text)}`);
  if (descrMatch[3]) {
    throw new DataError(source, 'unsupported dtype: structured (record) arrays are not read; save plain numeric arrays');
  }
  const descr = descrMatch[1] ?? descrMatch[2] ?? '';
  const fortranMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (!fortranMatch) throw new DataError(source, `bad .npy header: no 'fortran_order' key in ${JSON.stringify(text)}`);
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shapeMatch) throw new DataError(source, `bad .npy header: no 'shape' tuple in ${JSON.stringify(text)}`);
  const shape: number[] = [];
  for (const part of shapeMatch[1]!.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    // Python 2 wrote longs as `3L`.
    const m = /^(\d+)L?$/.exec(p);
    if (!m) throw new DataError(source, `bad .npy header: shape (${shapeMatch[1]}) is not a tuple of sizes`);
    shape.push(Number(m[1]));
  }
  return { descr, fortranOrder: fortranMatch[1] === 'True', shape };
}

function parseDescr(descr: string, source: string): { dtype: NpyDtype; littleEndian: boolean } {
  const m = /^([<>|=!]?)([a-zA-Z])(\d*)(.*)$/.exec(descr);
  if (!m) throw new DataError(source, `unsupported dtype '${descr}'`);
  const [, order, kind, size, rest] = m;
  if (kind === 'O') {
    throw new DataError(source, `unsupported dtype '${descr}': object arrays hold Python pickles, which are never loaded`);
  }
  const dtype = rest === '' ? DTYPES[`${kind}${size}`] : undefined;
  if (!dtype) {
    const what = KIND_NAMES[kind!] ? ` (${KIND_NAMES[kind!]})` : '';
    throw new DataError(
      source,
      `unsupported dtype '${descr}'${what}: readable are bool, int8..int64, uint8..uint64, float16, float32, float64`,
    );
  }
  // '=' is the writer's native order; every platform numpy runs on today is little-endian.
  return { dtype, littleEndian: order !== '>' && order !== '!' };
}

function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

function typedView(dtype: NpyDtype, raw: Uint8Array, size: number): NpyData {
  const buf = raw.buffer;
  switch (dtype) {
    case 'bool': {
      // numpy writes 0/1, but make sure any nonzero byte reads as true.
      for (let i = 0; i < raw.length; i++) if (raw[i]! > 1) raw[i] = 1;
      return raw;
    }
    case 'uint8':
      return raw;
    case 'int8':
      return new Int8Array(buf, 0, size);
    case 'int16':
      return new Int16Array(buf, 0, size);
    case 'uint16':
      return new Uint16Array(buf, 0, size);
    case 'int32':
      return new Int32Array(buf, 0, size);
    case 'uint32':
      return new Uint32Array(buf, 0, size);
    case 'int64':
      return new BigInt64Array(buf, 0, size);
    case 'uint64':
      return new BigUint64Array(buf, 0, size);
    case 'float32':
      return new Float32Array(buf, 0, size);
    case 'float64':
      return new Float64Array(buf, 0, size);
    case 'float16': {
      const half = new Uint16Array(buf, 0, size);
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = halfToFloat(half[i]!);
      return out;
    }
  }
}

/** IEEE 754 binary16 → number (subnormals, ±0, ±Inf and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

type Indexable = { [i: number]: number | bigint; length: number };

/** Reorders column-major (first index fastest) values into row-major. */
function fortranToC<T extends NpyData>(src: T, shape: number[]): T {
  const n = shape.length;
  const ctor = src.constructor as new (len: number) => T;
  const out = new ctor(src.length);
  const fStride = new Array<number>(n);
  fStride[0] = 1;
  for (let k = 1; k < n; k++) fStride[k] = fStride[k - 1]! * shape[k - 1]!;
  const idx = new Array<number>(n).fill(0);
  const s = src as unknown as Indexable;
  const o = out as unknown as Indexable;
  let off = 0;
  for (let i = 0; i < src.length; i++) {
    o[i] = s[off]!;
    // Advance the C-order odometer (last index fastest), keeping the Fortran offset in step.
    for (let k = n - 1; k >= 0; k--) {
      idx[k]!++;
      off += fStride[k]!;
      if (idx[k]! < shape[k]!) break;
      off -= fStride[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
  return out;
}
