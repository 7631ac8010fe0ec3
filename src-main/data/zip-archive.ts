/**
 * Zip archives (what np.savez writes), read with bounds at every step. A zip is hostile input:
 * its central directory can be garbage (names printed as mojibake), its members can declare one
 * size and inflate to a thousand times more (a 3 MB bomb became 6.4 GB), and offsets can point
 * anywhere. So: the directory is parsed by hand (APPNOTE 6.3: end record, zip64 end record and
 * extra field as numpy writes them), each entry is cross-checked with its local header, names
 * are checked and escaped before they are ever printed, a member's declared size is known (and
 * checked against the memory budget by the caller) before it is inflated, and inflation stops
 * at that declared size (zlib's maxOutputLength), then the CRC is checked.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { DataError } from './errors';
import { printableBytes, printableName } from './printable-name';

export interface ZipMember {
  /** As stored (UTF-8 or, without the UTF-8 flag, ASCII: anything else is refused). */
  name: string;
  /** 0 stored, 8 deflate; others are refused when extracted. */
  method: number;
  compressedSize: number;
  /** Declared uncompressed size: what extraction may produce, and exactly what it must. */
  size: number;
  crc: number;
  flags: number;
  /** Where the data starts in the archive (after the local header). */
  dataStart: number;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Far more members than any .npz has; a count above it is a corrupt directory. */
const MAX_MEMBERS = 65_536;

/** Reads and checks the central directory; no member is inflated. */
export function readZipDirectory(bytes: Uint8Array, source: string): ZipMember[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (why: string) => new DataError(source, `not a readable .npz (zip) archive: ${why}`);
  const u64 = (at: number) => {
    const n = v.getBigUint64(at, true);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`a 64-bit size or offset (${n}) is impossibly large`);
    return Number(n);
  };
  // The end record is the last 22 bytes, plus a comment of at most 65,535 bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (v.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt(bytes.length < 22 ? `only ${bytes.length} bytes` : 'no end-of-central-directory record (truncated, or not a zip file)');
  let count = v.getUint16(eocd + 10, true);
  let cdSize = v.getUint32(eocd + 12, true);
  let cdOffset = v.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || v.getUint32(loc, true) !== EOCD64_LOCATOR) throw corrupt('zip64 sizes without a zip64 end record locator');
    const at = u64(loc + 8);
    if (at + 56 > bytes.length || v.getUint32(at, true) !== EOCD64) throw corrupt('the zip64 end record is missing or out of place');
    count = u64(at + 32);
    cdSize = u64(at + 40);
    cdOffset = u64(at + 48);
  }
  if (count > MAX_MEMBERS) throw corrupt(`the central directory claims ${count} members`);
  if (cdOffset + cdSize > bytes.length) throw corrupt(`the central directory (${cdSize} bytes at ${cdOffset}) runs past the end of the ${bytes.length}-byte file`);
  if (count * 46 > cdSize) throw corrupt(`the central directory is ${cdSize} bytes, too small for ${count} members`);

  const members: ZipMember[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || v.getUint32(p, true) !== CENTRAL) throw corrupt(`central directory entry ${i} is damaged (bad signature at offset ${p})`);
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    let compressedSize = v.getUint32(p + 20, true);
    let size = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let localOffset = v.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdOffset + cdSize) throw corrupt(`central directory entry ${i} runs past the directory's end`);
    const nameBytes = bytes.subarray(p + 46, p + 46 + nameLen);
    const name = memberName(nameBytes, i, corrupt);
    // zip64: the fields that overflowed 32 bits follow in this order in extra field 0x0001.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = v.getUint16(e, true);
      const len = v.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const take = () => {
          if (q + 8 > e + 4 + len) throw corrupt(`member "${printableName(name)}" has a short zip64 extra field`);
          const n = u64(q);
          q += 8;
          return n;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + len;
    }
    if (localOffset + 30 > bytes.length || v.getUint32(localOffset, true) !== LOCAL) {
      throw corrupt(`member "${printableName(name)}" points at offset ${localOffset}, where there is no local header`);
    }
    const localNameLen = v.getUint16(localOffset + 26, true);
    const localExtraLen = v.getUint16(localOffset + 28, true);
    const localName = bytes.subarray(localOffset + 30, localOffset + 30 + localNameLen);
    if (localNameLen !== nameLen || !localName.every((b, k) => b === nameBytes[k])) {
      throw corrupt(`member "${printableName(name)}": its local header names a different file (the central directory is damaged)`);
    }
    const dataStart = localOffset + 30 + localNameLen + localExtraLen;
    if (dataStart + compressedSize > bytes.length) {
      throw corrupt(`member "${printableName(name)}" (${compressedSize} bytes at ${dataStart}) runs past the end of the file: truncated`);
    }
    members.push({ name, method, compressedSize, size, crc, flags, dataStart });
    p = end;
  }
  return members;
}

/** A name must be text (UTF-8, which ASCII is) without control characters; anything else is a damaged directory. */
function memberName(bytes: Uint8Array, i: number, corrupt: (why: string) => DataError): string {
  let name: string | null;
  try {
    name = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    name = null;
  }
  // eslint-disable-next-line no-control-regex
  if (name === null || name === '' || /[\u0000-\u001f\u007f-\u009f\ufffd]/.test(name)) {
    const shown = printableBytes(bytes, 60);
    throw corrupt(`central directory entry ${i} has a garbled name ("${shown}"): the directory is damaged`);
  }
  return name;
}

/**
 * Inflates one member, producing at most its declared size (zip bombs stop there) and exactly
 * it (a member that inflates to less is truncated), with the CRC checked. The caller has
 * already checked the declared size against the memory budget.
 */
export function extractZipMember(bytes: Uint8Array, m: ZipMember, source: string): Uint8Array {
  const where = `${source}[${printableName(m.name)}]`;
  if (m.flags & 1) throw new DataError(where, 'is encrypted; TokenScope reads unencrypted archives only');
  const data = bytes.subarray(m.dataStart, m.dataStart + m.compressedSize);
  let out: Uint8Array;
  if (m.method === 0) {
    if (m.compressedSize !== m.size) throw new DataError(where, `stored member is ${m.compressedSize} bytes but declares ${m.size}`);
    out = data.slice();
  } else if (m.method === 8) {
    try {
      const buf = inflateRawSync(data, { maxOutputLength: Math.max(1, m.size) });
      out = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new DataError(where, `inflates past its declared size of ${m.size} bytes: a zip bomb or a corrupt archive, refused`);
      }
      throw new DataError(where, `corrupt compressed data (${(err as Error).message})`);
    }
    if (out.byteLength !== m.size) throw new DataError(where, `inflates to ${out.byteLength} bytes but declares ${m.size}: corrupt or truncated`);
  } else {
    throw new DataError(where, `uses zip compression method ${m.method}; only stored (0) and deflate (8) are read`);
  }
  if (crc32(out) >>> 0 !== m.crc >>> 0) throw new DataError(where, 'CRC mismatch: the archive is corrupt');
  return out;
}
