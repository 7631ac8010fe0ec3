/**
 * Zip archives (what np.savez writes) held in memory, read with bounds at every step. A zip is
 * hostile input: its central directory can be garbage (names printed as mojibake), its members
 * can declare one size and inflate to a thousand times more (a 3 MB bomb became 6.4 GB), and
 * offsets can point anywhere. So: the directory is parsed by zip-directory.ts (the parser the
 * checkpoint reader shares), each entry is cross-checked with its local header, names
 * are checked and escaped before they are ever printed, a member's declared size is known (and
 * checked against the memory budget by the caller) before it is inflated, and inflation stops
 * at that declared size (zlib's maxOutputLength), then the CRC is checked.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { DataError } from './errors';
import { printableName } from './printable-name';
import { END_SEARCH_BYTES, findZipEnd, localDataStart, parseCentralDirectory, readZip64End } from './zip-directory';

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

/** Reads and checks the central directory (data/zip-directory.ts) and each member's local header; no member is inflated. */
export function readZipDirectory(bytes: Uint8Array, source: string): ZipMember[] {
  const corrupt = (why: string) => new DataError(source, `not a readable .npz (zip) archive: ${why}`);
  const tailStart = Math.max(0, bytes.length - END_SEARCH_BYTES);
  const found = findZipEnd(bytes.subarray(tailStart), tailStart, bytes.length, corrupt);
  const place = 'zip64At' in found ? readZip64End(bytes.subarray(found.zip64At, found.zip64At + 56), bytes.length, corrupt) : found;
  const entries = parseCentralDirectory(bytes.subarray(place.offset, place.offset + place.size), place.count, bytes.length, corrupt);
  return entries.map((e) => {
    const head = bytes.subarray(e.localHeaderOffset, e.localHeaderOffset + 30 + e.nameBytes.length);
    const dataStart = localDataStart(head, e, bytes.length, corrupt);
    return { name: e.name, method: e.method, compressedSize: e.compressedSize, size: e.size, crc: e.crc, flags: e.flags, dataStart };
  });
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
