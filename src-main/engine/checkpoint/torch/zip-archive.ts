import { promises as fs } from 'node:fs';
import { DataError } from '../../../data/errors';
import { openRegularFile } from '../../../data/read-bytes';
import { inflateRawSync } from 'node:zlib';
import { TorchCheckpointError } from './errors';
import { END_SEARCH_BYTES, findZipEnd, localDataStart, parseCentralDirectory, readZip64End, type ZipEntry } from '../../../data/zip-directory';

/**
 * A zip archive read lazily from disk: the central directory is parsed once, and a member's
 * bytes are read only when asked for. torch.save STOREs its members (no compression, 64-byte
 * aligned), so a byte range of a stored member is read straight from the file by offset and
 * nothing is inflated at all; a deflated member (a checkpoint re-zipped by hand) is inflated on
 * demand, bounded by its declared size.
 */

export type ZipMember = ZipEntry;

// A checkpoint's directory lists data.pkl, version, byteorder and one entry per storage; a
// directory larger than this is not a checkpoint (and would otherwise be read whole).
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;

export class ZipArchive {
  private constructor(
    readonly file: string,
    private readonly handle: fs.FileHandle,
    readonly fileSize: number,
    readonly members: ReadonlyMap<string, ZipMember>,
  ) {}

  static async open(file: string): Promise<ZipArchive> {
    let handle: fs.FileHandle;
    let size: number;
    try {
      // Regular files only, never blocking on a FIFO or reading a device (data/read-bytes.ts).
      ({ handle, size } = await openRegularFile(file));
    } catch (err) {
      throw new TorchCheckpointError(file, err instanceof DataError ? err.problem : `cannot open (${(err as Error).message})`);
    }
    try {
      const members = await readDirectory(file, handle, size);
      return new ZipArchive(file, handle, size, members);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  private fail(problem: string): never {
    throw new TorchCheckpointError(this.file, problem);
  }

  /** Where a member's data starts in the file (after its local header, whose name must be the directory's). */
  private async dataStart(m: ZipMember): Promise<number> {
    if (this.closed) this.fail(`zip member ${m.name}: the checkpoint was closed before its tensors were read`);
    const head = await readAt(this.handle, m.localHeaderOffset, 30 + m.nameBytes.length);
    return localDataStart(head, m, this.fileSize, (why) => new TorchCheckpointError(this.file, `zip ${why}`));
  }

  /**
   * Bytes [begin, end) of a member's uncompressed content. Stored members are read by offset;
   * deflated ones are inflated whole (at most their declared size) and sliced.
   */
  async readRange(name: string, begin: number, end: number): Promise<Buffer> {
    const m = this.members.get(name);
    if (!m) this.fail(`zip member ${name} is missing`);
    if (begin < 0 || end < begin || end > m.size) this.fail(`zip member ${name}: bytes [${begin}, ${end}) are outside its ${m.size} bytes`);
    const start = await this.dataStart(m);
    if (m.method === 0) {
      const bytes = await readAt(this.handle, start + begin, end - begin);
      if (bytes.length !== end - begin) this.fail(`zip member ${name}: truncated`);
      return bytes;
    }
    const packed = await readAt(this.handle, start, m.compressedSize);
    let plain: Buffer;
    try {
      plain = inflateRawSync(packed, { maxOutputLength: Math.max(1, m.size) });
    } catch (err) {
      this.fail(`zip member ${name}: cannot inflate (${(err as Error).message})`);
    }
    if (plain.length !== m.size) this.fail(`zip member ${name}: inflates to ${plain.length} bytes, its header says ${m.size}`);
    return plain.subarray(begin, end);
  }

  /**
   * Reads bytes [begin, begin + target.length) of a stored member straight into `target` (no
   * intermediate copy); returns false for a deflated member, which the caller reads otherwise.
   */
  async readInto(name: string, begin: number, target: Uint8Array): Promise<boolean> {
    const m = this.members.get(name);
    if (!m) this.fail(`zip member ${name} is missing`);
    if (m.method !== 0) return false;
    const end = begin + target.length;
    if (begin < 0 || end > m.size) this.fail(`zip member ${name}: bytes [${begin}, ${end}) are outside its ${m.size} bytes`);
    const start = await this.dataStart(m);
    let got = 0;
    while (got < target.length) {
      const { bytesRead } = await this.handle.read(target, got, target.length - got, start + begin + got);
      if (bytesRead === 0) this.fail(`zip member ${name}: truncated`);
      got += bytesRead;
    }
    return true;
  }

  async read(name: string): Promise<Buffer> {
    const m = this.members.get(name);
    if (!m) this.fail(`zip member ${name} is missing`);
    return this.readRange(name, 0, m.size);
  }
}

async function readAt(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

async function readDirectory(file: string, handle: fs.FileHandle, size: number): Promise<Map<string, ZipMember>> {
  const corrupt = (why: string) => new TorchCheckpointError(file, `not a zip archive, or a damaged one: ${why}`);
  const tailStart = Math.max(0, size - END_SEARCH_BYTES);
  const found = findZipEnd(await readAt(handle, tailStart, size - tailStart), tailStart, size, corrupt);
  const place = 'zip64At' in found ? readZip64End(await readAt(handle, found.zip64At, 56), size, corrupt) : found;
  if (place.size > MAX_DIRECTORY_BYTES) throw corrupt(`its central directory of ${place.size} bytes exceeds the ${MAX_DIRECTORY_BYTES}-byte limit`);
  const members = new Map<string, ZipMember>();
  for (const e of parseCentralDirectory(await readAt(handle, place.offset, place.size), place.count, size, corrupt)) {
    if (e.method !== 0 && e.method !== 8) throw corrupt(`member ${e.name} uses compression method ${e.method} (only stored and deflate are read)`);
    if (e.flags & 1) throw corrupt(`member ${e.name} is encrypted`);
    members.set(e.name, e);
  }
  return members;
}
