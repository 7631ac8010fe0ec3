import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fsProblem } from '../../data/read-bytes';
import { short } from './config-limits';

/**
 * Resolves a file that an export's config.json names (`weights`, `codebook`) without trusting
 * the name: it must be a plain file name, and the file it resolves to, links followed, must lie
 * inside the export folder. `"../../../../etc/passwd"` or a link to /dev/zero is refused here,
 * before a byte of it is read, and the message never quotes the target's contents.
 */
export async function fileInFolder(dir: string, name: unknown, field: string, source: string): Promise<string> {
  const plain =
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= 255 &&
    name !== '.' &&
    name !== '..' &&
    !/[/\\\0]/.test(name) &&
    !path.isAbsolute(name);
  if (!plain) throw new Error(`${source}: "${field}" must be a file name inside the export folder, not a path (got ${short(name)})`);
  const file = path.join(dir, name);
  let real: string;
  let realDir: string;
  try {
    realDir = await fs.realpath(dir);
    real = await fs.realpath(file);
  } catch (err) {
    throw new Error(`${source}: "${field}" ${short(name)}: ${fsProblem(file, err).problem}`);
  }
  const rel = path.relative(realDir, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new Error(`${source}: "${field}" ${short(name)} is a link to a file outside the export folder: refused`);
  }
  return file;
}
