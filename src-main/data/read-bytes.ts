import { constants as C, promises as fs, type Stats } from 'node:fs';
import { DataError, isFsError } from './errors';
import { checkMemory } from './memory-budget';

/**
 * The one way TokenScope reads an input file (data/ and engine/checkpoint go through here).
 * Only regular files are read: a FIFO would block a thread of Node's small file pool forever
 * (four of them stall every client), and a device such as /dev/zero never ends. The type is
 * checked twice: on the path before opening (so a FIFO is never opened for a blocking read), and
 * on the opened handle after links are resolved (so a link swapped in between is still caught).
 * The open itself is non-blocking, so even that race cannot hang. The size is checked against
 * the memory budget before a byte is read, and every read has a deadline.
 */

export interface ReadOptions {
  /** Refuse files larger than this (default: the memory budget). */
  maxBytes?: number;
  /** Give up when the whole read takes longer (default 120 s: generous for a busy disk). */
  timeoutMs?: number;
}

export const DEFAULT_READ_TIMEOUT_MS = 120_000;
const CHUNK = 16 * 1024 * 1024;
// O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting for one.
const OPEN_FLAGS = C.O_RDONLY | (C.O_NONBLOCK ?? 0) | (C.O_NOCTTY ?? 0);

/** Why a path is not a regular file, in words, or null when it is one. */
export function notRegular(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'is a folder, not a file';
  if (st.isFIFO()) return 'is a named pipe (FIFO), not a regular file: refused, it could block forever';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a regular file: refused';
  if (st.isSocket()) return 'is a socket, not a regular file: refused';
  return 'is not a regular file: refused';
}

/** A file-system failure as a DataError that says what happened (a symlink loop is not "no such file"). */
export function fsProblem(file: string, err: unknown, missing = 'no such file'): DataError {
  if (err instanceof DataError) return err;
  if (isFsError(err, 'ENOENT')) {
    // Node decodes a path given as text; bytes that were not UTF-8 became U+FFFD and name nothing.
    if (file.includes('\ufffd')) return new DataError(file, `${missing} (the name held bytes that are not UTF-8 and could not be passed on; rename the file)`);
    return new DataError(file, missing);
  }
  if (isFsError(err, 'ELOOP')) return new DataError(file, 'symlink loop (too many levels of symbolic links)');
  if (isFsError(err, 'ENOTDIR')) return new DataError(file, 'a part of the path is not a folder');
  if (isFsError(err, 'EISDIR')) return new DataError(file, 'is a folder, not a file');
  if (isFsError(err, 'EACCES') || isFsError(err, 'EPERM')) return new DataError(file, 'permission denied');
  if (isFsError(err, 'ENAMETOOLONG')) return new DataError(file, 'path too long');
  const code = (err as { code?: unknown })?.code;
  return new DataError(file, `cannot read (${typeof code === 'string' ? code : (err as Error)?.message ?? String(err)})`);
}

/** `fs.stat` with the failures turned into clear DataErrors; a dangling link says so. */
export async function statPath(p: string, missing = 'no such file'): Promise<Stats> {
  try {
    return await fs.stat(p);
  } catch (err) {
    if (isFsError(err, 'ENOENT')) {
      const link = await fs.lstat(p).catch(() => null);
      if (link?.isSymbolicLink()) throw new DataError(p, 'is a symlink to a file that does not exist');
    }
    throw fsProblem(p, err, missing);
  }
}

/** Opens a regular file for reading; the caller closes the handle. */
export async function openRegularFile(file: string): Promise<{ handle: fs.FileHandle; size: number }> {
  const before = await statPath(file);
  const why = notRegular(before);
  if (why) throw new DataError(file, why);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, OPEN_FLAGS);
  } catch (err) {
    throw fsProblem(file, err);
  }
  try {
    const st = await handle.stat();
    const whyNow = notRegular(st);
    if (whyNow) throw new DataError(file, whyNow);
    return { handle, size: st.size };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw fsProblem(file, err);
  }
}

/** Reads a whole regular file, within the memory budget and a deadline. */
export async function readBytes(file: string, opts: ReadOptions = {}): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(file);
  try {
    if (opts.maxBytes !== undefined) {
      if (size > opts.maxBytes) throw new DataError(file, `is ${size} bytes, more than the ${opts.maxBytes} bytes a file of this kind may have`);
    } else {
      checkMemory(file, size, 'reading the file');
    }
    return await readRange(handle, file, 0, size, opts.timeoutMs);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Reads `length` bytes at `position` of an open file, failing if the file ends early or the deadline passes. */
export async function readRange(handle: fs.FileHandle, file: string, position: number, length: number, timeoutMs = DEFAULT_READ_TIMEOUT_MS): Promise<Uint8Array> {
  return readRangeInto(handle, file, position, new Uint8Array(length), timeoutMs);
}

/**
 * Reads `out.length` bytes at `position` of an open file straight into `out` (memory the caller
 * reuses: fresh memory costs first-touch page faults), with readRange's deadline and short-read
 * error. After a timeout the abandoned read may still land in `out`: the caller's data is lost anyway.
 */
export async function readRangeInto(handle: fs.FileHandle, file: string, position: number, out: Uint8Array, timeoutMs = DEFAULT_READ_TIMEOUT_MS): Promise<Uint8Array> {
  const length = out.length;
  const deadline = Date.now() + timeoutMs;
  let done = 0;
  while (done < length) {
    const n = Math.min(CHUNK, length - done);
    const { bytesRead } = await withDeadline(handle.read(out, done, n, position + done), deadline, file, timeoutMs);
    if (bytesRead === 0) throw new DataError(file, `ended after ${done} of ${length} bytes (the file changed while it was read?)`);
    done += bytesRead;
  }
  return out;
}

/** Reads a small text file (a config, a meta.json) as UTF-8. */
export async function readText(file: string, maxBytes = 16 * 1024 * 1024): Promise<string> {
  const bytes = await readBytes(file, { maxBytes });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError(file, 'is not UTF-8 text');
  }
}

async function withDeadline<T>(work: Promise<T>, deadline: number, file: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DataError(file, `reading timed out after ${Math.round(timeoutMs / 1000)} s`)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
