import { promises as fs } from 'node:fs';
import { DataError, isFsError } from './errors';

/**
 * Reads a whole file, turning the usual file-system failures into a DataError that names the
 * file, so callers never have to tell a missing file from a bad one by parsing Node's messages.
 */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    const buf = await fs.readFile(file);
    // A Node Buffer may be a view into a shared pool; callers get a plain view of exactly the file.
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    if (isFsError(err, 'ENOENT')) throw new DataError(file, 'no such file');
    if (isFsError(err, 'EISDIR')) throw new DataError(file, 'is a folder, not a file');
    if (isFsError(err, 'EACCES')) throw new DataError(file, 'permission denied');
    throw new DataError(file, `cannot read: ${(err as Error).message}`);
  }
}
