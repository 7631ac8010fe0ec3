import { promises as fs } from 'node:fs';
import { DataError } from '../../../data/errors';
import { openRegularFile } from '../../../data/read-bytes';
import { inflateRawSync } from 'node:zlib';
import { TorchCheckpointError } from './errors';

/**
 * A zip archive read lazily from disk: the central directory is parsed once, and a member's
 * bytes are read only when asked for. torch.save STOREs its members (no compression, 64-byte
 * aligned), so a byte range of a stored member is read straight from the file by offset and
 * nothing is inflated at all; a deflated member (a checkpoint re-zipped by hand) is inflated on
 * demand, bounded by its declared size.
 */

export interface ZipMember {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const EOCD64_LOCATOR_SIG = 0x07064b50;
const EOCD64_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
// EOCD (22 bytes) + the longest comment a zip can carry.
const EOCD_SEARCH = 22 + 0xffff;
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

  /** Where a member's data starts in the file (after its local header). */
  private async dataStart(m: ZipMember): Promise<number> {
    if (this.closed) this.fail(`zip member ${m.name}: the checkpoint was closed before its tensors were read`);
    const head = await readAt(this.handle, m.localHeaderOffset, 30);
    if (head.length < 30 || head.readUInt32LE(0) !== LOCAL_SIG) this.fail(`zip member ${m.name}: local header missing at offset ${m.localHeaderOffset} (truncated or corrupt zip)`);
    const start = m.localHeaderOffset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
    if (start + m.compressedSize > this.fileSize) {
      this.fail(`zip member ${m.name}: its ${m.compressedSize} bytes run past the end of the file (${this.fileSize} bytes): truncated`);
    }
    return start;
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
  const fail = (problem: string): never => {
    throw new TorchCheckpointError(file, problem);
  };
  if (size < 22) fail(`${size} bytes is too short for a zip archive`);
  const tailStart = Math.max(0, size - EOCD_SEARCH);
  const tail = await readAt(handle, tailStart, size - tailStart);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('not a zip archive, or a truncated one (no end-of-central-directory record)');
  let count = tail.readUInt16LE(eocd + 10);
  let dirSize = tail.readUInt32LE(eocd + 12);
  let dirOffset = tail.readUInt32LE(eocd + 16);
  // torch writes zip64 records once an archive passes 4 GiB or 65535 members.
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tail.readUInt32LE(loc) !== EOCD64_LOCATOR_SIG) fail('zip64 archive without its locator record (truncated or corrupt)');
    const rec = Number(tail.readBigUInt64LE(loc + 8));
    const r = await readAt(handle, rec, 56);
    if (r.length < 56 || r.readUInt32LE(0) !== EOCD64_SIG) fail('zip64 end-of-central-directory record missing (truncated or corrupt)');
    count = Number(r.readBigUInt64LE(32));
    dirSize = Number(r.readBigUInt64LE(40));
    dirOffset = Number(r.readBigUInt64LE(48));
  }
  if (dirSize > MAX_DIRECTORY_BYTES) fail(`zip central directory of ${dirSize} bytes exceeds the ${MAX_DIRECTORY_BYTES}-byte limit`);
  if (dirOffset + dirSize > size) fail(`zip central directory [${dirOffset}, ${dirOffset + dirSize}) runs past the end of the file (${size} bytes): truncated`);
  const dir = await readAt(handle, dirOffset, dirSize);
  const members = new Map<string, ZipMember>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL_SIG) fail(`zip central directory entry ${i} is corrupt`);
    const method = dir.readUInt16LE(p + 10);
    let compressedSize = dir.readUInt32LE(p + 20);
    let uncompressed = dir.readUInt32LE(p + 24);
    const nameLen = dir.readUInt16LE(p + 28);
    const extraLen = dir.readUInt16LE(p + 30);
    const commentLen = dir.readUInt16LE(p + 32);
    let localHeaderOffset = dir.readUInt32LE(p + 42);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > dir.length) fail(`zip central directory entry ${i} runs past the directory`);
    const name = dir.toString('utf8', p + 46, p + 46 + nameLen);
    // zip64 extra field: the 64-bit values, in this order, for the 32-bit fields set to ~0.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = dir.readUInt16LE(e);
      const len = dir.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + len) fail(`zip member ${name}: zip64 extra field too short`);
          const v = Number(dir.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (uncompressed === 0xffffffff) uncompressed = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      e += 4 + len;
    }
    if (method !== 0 && method !== 8) fail(`zip member ${name} uses compression method ${method} (only stored and deflate are read)`);
    if (localHeaderOffset + 30 > size) fail(`zip member ${name} starts past the end of the file: truncated`);
    members.set(name, { name, method, compressedSize, size: uncompressed, localHeaderOffset });
    p = end;
  }
  return members;
}
