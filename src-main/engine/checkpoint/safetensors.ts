import type { FileHandle } from 'node:fs/promises';
import { DataError } from '../../data/errors';
import { checkMemory } from '../../data/memory-budget';
import { openRegularFile, readBytes, readRange } from '../../data/read-bytes';
import { writeFileAtomic } from '../../util/atomic-write';

/**
 * The safetensors format, by hand (no tfjs here: plain typed arrays in and out).
 *
 * Layout: an 8-byte little-endian unsigned header length N, then N bytes of UTF-8 JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { str: str } }`
 * padded with spaces to a multiple of 8, then the data buffer; offsets are relative to the
 * start of the buffer, little-endian, row-major. Like the reference (Rust) implementation, a
 * reader demands that the tensors tile the buffer exactly: no overlap, no hole, no tail.
 */

export type SafeDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';
export type WritableDType = 'F32' | 'I32' | 'I64';

export const DTYPE_BYTES: Readonly<Record<SafeDType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export type SafeArray = Float64Array | Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** A tensor as read. F16 and BF16 are widened to Float32Array (dtype keeps the stored type). */
export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  data: SafeArray;
}

/** A tensor to write: F32 from Float32Array, I32 from Int32Array, I64 from BigInt64Array or Int32Array. */
export interface TensorToWrite {
  dtype: WritableDType;
  shape: readonly number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

export interface HeaderEntry {
  dtype: SafeDType;
  shape: number[];
  /** Byte range inside the data buffer. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: Record<string, HeaderEntry>;
  metadata: Record<string, string>;
  /** Where the data buffer starts in the file: 8 + N. */
  dataStart: number;
}

export interface SafetensorsFile {
  tensors: Record<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** Every problem with a safetensors file, with the file named at the start of the message. */
export class SafetensorsError extends Error {
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = 'SafetensorsError';
  }
}

// The reference implementation refuses headers above 100 MB; a larger one is a corrupt length.
const MAX_HEADER_BYTES = 100_000_000;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // Typed arrays are views in host byte order; every platform Node supports is little-endian.
  throw new Error('safetensors.ts assumes a little-endian host');
}

function isSafeDType(s: unknown): s is SafeDType {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, s);
}

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Parses and validates the header given the first bytes of a file (at least 8 + N of them)
 * and the file's total size; reading the data is left to the caller.
 */
export function parseSafetensorsHeader(head: Uint8Array, fileSize: number, source: string): SafetensorsHeader {
  if (fileSize < 8 || head.byteLength < 8) {
    throw new SafetensorsError(source, `file is ${fileSize} bytes, too short for the 8-byte header length`);
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(fileSize - 8)) {
    throw new SafetensorsError(source, `header length ${n64} runs past the end of the file (${fileSize} bytes): truncated or not a safetensors file`);
  }
  const n = Number(n64);
  if (n > MAX_HEADER_BYTES) throw new SafetensorsError(source, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (n < 2) throw new SafetensorsError(source, `header length ${n} is too short for a JSON object`);
  if (head.byteLength < 8 + n) throw new SafetensorsError(source, `only ${head.byteLength} bytes given for a ${n}-byte header`);

  let json: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(8, 8 + n));
    if (!text.startsWith('{')) throw new Error('does not start with "{"');
    json = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(source, `header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SafetensorsError(source, 'header is not a JSON object');
  }

  const dataSize = fileSize - 8 - n;
  const entries: Record<string, HeaderEntry> = {};
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(raw, source);
      continue;
    }
    entries[name] = parseEntry(name, raw, dataSize, source);
  }

  // The tensors must tile [0, dataSize) exactly, as the reference reader demands.
  const spans = Object.entries(entries).sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let cursor = 0;
  let prev = '';
  for (const [name, e] of spans) {
    if (e.begin < cursor) {
      throw new SafetensorsError(source, `tensor "${name}" bytes [${e.begin}, ${e.end}) overlap tensor "${prev}" (ends at ${cursor})`);
    }
    if (e.begin > cursor) {
      throw new SafetensorsError(source, `gap of ${e.begin - cursor} bytes before tensor "${name}" at offset ${cursor}: offsets do not tile the data buffer`);
    }
    cursor = e.end;
    prev = name;
  }
  if (cursor !== dataSize) {
    throw new SafetensorsError(source, `data buffer is ${dataSize} bytes but the tensors cover ${cursor}: ${cursor < dataSize ? 'trailing bytes' : 'truncated'}`);
  }
  return { entries, metadata, dataStart: 8 + n };
}

function parseMetadata(raw: unknown, source: string): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(source, '__metadata__ is not an object of strings');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new SafetensorsError(source, `__metadata__["${k}"] is not a string`);
    out[k] = v;
  }
  return out;
}

function parseEntry(name: string, raw: unknown, dataSize: number, source: string): HeaderEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(source, `tensor "${name}": header entry is not an object`);
  }
  const r = raw as Record<string, unknown>;
  if (!isSafeDType(r.dtype)) {
    throw new SafetensorsError(source, `tensor "${name}": unknown or unsupported dtype ${JSON.stringify(r.dtype)} (known: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  const shape = r.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(source, `tensor "${name}": shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  const off = r.data_offsets;
  if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(source, `tensor "${name}": data_offsets ${JSON.stringify(off)} is not a pair of non-negative integers`);
  }
  const [begin, end] = off as [number, number];
  if (end < begin) throw new SafetensorsError(source, `tensor "${name}": data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataSize) {
    throw new SafetensorsError(source, `tensor "${name}": data_offsets [${begin}, ${end}] run past the data buffer (${dataSize} bytes): truncated file?`);
  }
  const expected = product(shape as number[]) * DTYPE_BYTES[r.dtype];
  if (expected !== end - begin) {
    throw new SafetensorsError(
      source,
      `tensor "${name}": shape ${JSON.stringify(shape)} × ${r.dtype} (${DTYPE_BYTES[r.dtype]} bytes) needs ${expected} bytes but data_offsets span ${end - begin}`,
    );
  }
  return { dtype: r.dtype, shape: shape as number[], begin, end };
}

/** Copies the bytes out (so they are aligned and do not pin the file's buffer) into the dtype's array. */
export function decodeTensorBytes(dtype: SafeDType, bytes: Uint8Array): SafeArray {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const buf = copy.buffer;
  switch (dtype) {
    case 'F64':
      return new Float64Array(buf);
    case 'F32':
      return new Float32Array(buf);
    case 'F16':
      return halfToFloat32(new Uint16Array(buf));
    case 'BF16': {
      const src = new Uint16Array(buf);
      const bits = new Uint32Array(src.length);
      for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I64':
      return new BigInt64Array(buf);
    case 'I32':
      return new Int32Array(buf);
    case 'I16':
      return new Int16Array(buf);
    case 'I8':
      return new Int8Array(buf);
    case 'U8':
    case 'BOOL':
      return copy;
  }
}

/** IEEE 754 half → single, including subnormals, infinities and NaN. */
export function halfToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const h = src[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 0x1f) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** Parses a whole safetensors file held in memory. */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsFile {
  const header = parseSafetensorsHeader(bytes, bytes.byteLength, source);
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, e] of Object.entries(header.entries)) {
    const raw = bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end);
    tensors[name] = { dtype: e.dtype, shape: e.shape.slice(), data: decodeTensorBytes(e.dtype, raw) };
  }
  return { tensors, metadata: header.metadata };
}

function checkWritable(name: string, t: TensorToWrite): void {
  if (name === '__metadata__' || name.length === 0) throw new Error(`safetensors: invalid tensor name "${name}"`);
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`safetensors: tensor "${name}" has an invalid shape ${JSON.stringify(t.shape)}`);
  }
  const ok =
    (t.dtype === 'F32' && t.data instanceof Float32Array) ||
    (t.dtype === 'I32' && t.data instanceof Int32Array) ||
    (t.dtype === 'I64' && (t.data instanceof BigInt64Array || t.data instanceof Int32Array));
  if (!ok) throw new Error(`safetensors: tensor "${name}" is declared ${t.dtype} but holds a ${t.data.constructor.name}`);
  if (t.data.length !== product(t.shape)) {
    throw new Error(`safetensors: tensor "${name}" has ${t.data.length} values for shape ${JSON.stringify(t.shape)}`);
  }
}

function tensorBytes(t: TensorToWrite): Uint8Array {
  if (t.dtype === 'I64' && t.data instanceof Int32Array) {
    const wide = new BigInt64Array(t.data.length);
    for (let i = 0; i < t.data.length; i++) wide[i] = BigInt(t.data[i]!);
    return new Uint8Array(wide.buffer);
  }
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/**
 * Serialises tensors (F32 / I32 / I64) and string metadata. Tensors are laid out widest dtype
 * first, then by name, as the reference writer does, so every tensor is naturally aligned.
 */
export function encodeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) => {
    const wa = DTYPE_BYTES[tensors[a]!.dtype];
    const wb = DTYPE_BYTES[tensors[b]!.dtype];
    return wb - wa || (a < b ? -1 : a > b ? 1 : 0);
  });
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`safetensors: metadata "${k}" must be a string`);
    }
    header.__metadata__ = metadata;
  }
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    checkWritable(name, t);
    const b = tensorBytes(t);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + b.byteLength] };
    blobs.push(b);
    offset += b.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + padded);
  let at = 8 + padded;
  for (const b of blobs) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readBytes(file);
    // The file, then a decoded copy of every tensor in it.
    checkMemory(file, 2 * bytes.byteLength, 'the file and its decoded tensors');
  } catch (err) {
    throw new SafetensorsError(file, err instanceof DataError ? err.problem : `cannot read (${(err as Error).message})`);
  }
  return decodeSafetensors(bytes, file);
}

/** Reads only the header (a few KB), for listings and info without loading the weights. */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  let opened: { handle: FileHandle; size: number };
  try {
    opened = await openRegularFile(file);
  } catch (err) {
    throw new SafetensorsError(file, err instanceof DataError ? err.problem : `cannot open (${(err as Error).message})`);
  }
  const { handle, size } = opened;
  try {
    const lenBuf = await readRange(handle, file, 0, Math.min(8, size));
    if (size < 8) return parseSafetensorsHeader(lenBuf, size, file);
    const n = new DataView(lenBuf.buffer).getBigUint64(0, true);
    if (n > BigInt(size - 8) || n > BigInt(MAX_HEADER_BYTES)) return parseSafetensorsHeader(lenBuf, size, file);
    const head = await readRange(handle, file, 0, 8 + Number(n));
    return parseSafetensorsHeader(head, size, file);
  } catch (err) {
    if (err instanceof DataError) throw new SafetensorsError(file, err.problem);
    throw err;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Writes atomically (temporary file + rename): the old file stays whole if anything fails. */
export async function writeSafetensors(file: string, tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Promise<void> {
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
