/**
 * The one parser of a zip archive's central directory (APPNOTE 6.3), shared by the two readers
 * that need it: `.npz` files held in memory (data/zip-archive.ts) and torch.save checkpoints read
 * lazily from disk (engine/checkpoint/torch/zip-archive.ts). Pure functions over bytes the caller
 * has read, so one reader can be synchronous over a buffer and the other asynchronous over a file
 * handle; every count, size and offset is bounds-checked before it is used, and names are checked
 * before they are ever printed. Failures call `corrupt(why)`, which throws the caller's error type.
 */
import { printableBytes, printableName } from './printable-name';

export type Corrupt = (why: string) => Error;

/** Where the central directory is: from the end record, or from its zip64 record. */
export interface ZipDirectoryPlace {
  count: number;
  size: number;
  offset: number;
}

/** The end record pointed at zip64 fields: the caller reads 56 bytes at `zip64At`, then calls `readZip64End`. */
export interface NeedsZip64 {
  zip64At: number;
}

/** One central-directory entry, with the zip64 extra field applied. */
export interface ZipEntry {
  /** UTF-8 (ASCII included) without control characters: anything else is refused. */
  name: string;
  nameBytes: Uint8Array;
  flags: number;
  /** 0 stored, 8 deflate; other methods are listed, and refused when read. */
  method: number;
  crc: number;
  compressedSize: number;
  /** Declared uncompressed size. */
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
export const LOCAL_HEADER = 0x04034b50;
/** The end record (22 bytes) plus the longest comment a zip can carry: the tail to read. */
export const END_SEARCH_BYTES = 22 + 0xffff;
/** Far more members than any .npz or checkpoint has; a count above it is a corrupt directory. */
export const MAX_MEMBERS = 1_000_000;

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

function u64(v: DataView, at: number, corrupt: Corrupt): number {
  const n = v.getBigUint64(at, true);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`a 64-bit size or offset (${n}) is impossibly large`);
  return Number(n);
}

/**
 * Finds the end record in `tail`, the file's last bytes (at most END_SEARCH_BYTES of them), which
 * start at file offset `tailStart` of a file of `fileSize` bytes.
 */
export function findZipEnd(tail: Uint8Array, tailStart: number, fileSize: number, corrupt: Corrupt): ZipDirectoryPlace | NeedsZip64 {
  const v = view(tail);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (v.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt(fileSize < 22 ? `only ${fileSize} bytes` : 'no end-of-central-directory record (truncated, or not a zip file)');
  const count = v.getUint16(eocd + 10, true);
  const size = v.getUint32(eocd + 12, true);
  const offset = v.getUint32(eocd + 16, true);
  if (count !== 0xffff && size !== 0xffffffff && offset !== 0xffffffff) return checkPlace({ count, size, offset }, fileSize, corrupt);
  const loc = eocd - 20;
  if (loc < 0 || v.getUint32(loc, true) !== EOCD64_LOCATOR) throw corrupt('zip64 sizes without a zip64 end record locator');
  const zip64At = u64(v, loc + 8, corrupt);
  if (zip64At + 56 > tailStart + eocd) throw corrupt('the zip64 end record is missing or out of place');
  return { zip64At };
}

/** Reads the 56-byte zip64 end record the end record pointed at. */
export function readZip64End(record: Uint8Array, fileSize: number, corrupt: Corrupt): ZipDirectoryPlace {
  const v = view(record);
  if (record.length < 56 || v.getUint32(0, true) !== EOCD64) throw corrupt('the zip64 end record is missing or out of place');
  return checkPlace({ count: u64(v, 32, corrupt), size: u64(v, 40, corrupt), offset: u64(v, 48, corrupt) }, fileSize, corrupt);
}

function checkPlace(p: ZipDirectoryPlace, fileSize: number, corrupt: Corrupt): ZipDirectoryPlace {
  if (p.count > MAX_MEMBERS) throw corrupt(`the central directory claims ${p.count} members`);
  if (p.offset + p.size > fileSize) {
    throw corrupt(`the central directory (${p.size} bytes at ${p.offset}) runs past the end of the ${fileSize}-byte file: truncated`);
  }
  if (p.count * 46 > p.size) throw corrupt(`the central directory is ${p.size} bytes, too small for ${p.count} members`);
  return p;
}

/** Parses `count` entries from the directory's bytes; no member is read. */
export function parseCentralDirectory(dir: Uint8Array, count: number, fileSize: number, corrupt: Corrupt): ZipEntry[] {
  const v = view(dir);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > dir.length || v.getUint32(p, true) !== CENTRAL) throw corrupt(`central directory entry ${i} is damaged (bad signature at directory offset ${p})`);
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    let compressedSize = v.getUint32(p + 20, true);
    let size = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let localHeaderOffset = v.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > dir.length) throw corrupt(`central directory entry ${i} runs past the directory's end`);
    const nameBytes = dir.subarray(p + 46, p + 46 + nameLen);
    const name = memberName(nameBytes, i, corrupt);
    // zip64: the fields that overflowed 32 bits follow in this order in extra field 0x0001.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = v.getUint16(e, true);
      const len = v.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const take = () => {
          if (q + 8 > e + 4 + len) throw corrupt(`member "${printableName(name)}" has a short zip64 extra field`);
          const n = u64(v, q, corrupt);
          q += 8;
          return n;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      e += 4 + len;
    }
    if (localHeaderOffset + 30 > fileSize) throw corrupt(`member "${printableName(name)}" starts past the end of the file: truncated`);
    entries.push({ name, nameBytes, flags, method, crc, compressedSize, size, localHeaderOffset });
    p = end;
  }
  return entries;
}

/**
 * Checks a member's 30-byte local header (with its name after it: `head` holds at least
 * 30 + the name's length bytes when the name is to be compared) and returns where its data starts.
 */
export function localDataStart(head: Uint8Array, e: ZipEntry, fileSize: number, corrupt: Corrupt): number {
  const v = view(head);
  if (head.length < 30 || v.getUint32(0, true) !== LOCAL_HEADER) {
    throw corrupt(`member "${printableName(e.name)}" points at offset ${e.localHeaderOffset}, where there is no local header`);
  }
  const nameLen = v.getUint16(26, true);
  const extraLen = v.getUint16(28, true);
  if (head.length >= 30 + nameLen) {
    const local = head.subarray(30, 30 + nameLen);
    if (nameLen !== e.nameBytes.length || !local.every((b, k) => b === e.nameBytes[k])) {
      throw corrupt(`member "${printableName(e.name)}": its local header names a different file (the central directory is damaged)`);
    }
  }
  const start = e.localHeaderOffset + 30 + nameLen + extraLen;
  if (start + e.compressedSize > fileSize) {
    throw corrupt(`member "${printableName(e.name)}" (${e.compressedSize} bytes at ${start}) runs past the end of the file: truncated`);
  }
  return start;
}

/** A name must be text (UTF-8, which ASCII is) without control characters; anything else is a damaged directory. */
function memberName(bytes: Uint8Array, i: number, corrupt: Corrupt): string {
  let name: string | null;
  try {
    name = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    name = null;
  }
  // eslint-disable-next-line no-control-regex
  if (name === null || name === '' || /[\u0000-\u001f\u007f-\u009f\ufffd]/.test(name)) {
    throw corrupt(`central directory entry ${i} has a garbled name ("${printableBytes(bytes, 60)}"): the directory is damaged`);
  }
  return name;
}
