import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from './errors';

/**
 * Checks where a command will write BEFORE it does the work: a training run of an hour must not
 * end in a raw EISDIR because `-o` named a folder. A file output must not be a folder (or
 * another non-file) and its folder must exist or be creatable and be writable; a folder output
 * must not be a file.
 */
export async function checkOutputFile(file: string, flag: string, example = 'out.npy'): Promise<string> {
  const out = path.resolve(file);
  const st = await fs.stat(out).catch(() => null);
  if (st?.isDirectory()) throw new UsageError(`${flag} ${file} is a folder; give a file name (e.g. ${path.join(file, example)})`);
  if (st && !st.isFile()) throw new UsageError(`${flag} ${file} exists and is not a regular file`);
  await checkWritableFolder(path.dirname(out), flag, file);
  return out;
}

export async function checkOutputFolder(dir: string, flag: string): Promise<string> {
  const out = path.resolve(dir);
  const st = await fs.stat(out).catch(() => null);
  if (st && !st.isDirectory()) throw new UsageError(`${flag} ${dir} is a file, not a folder`);
  await checkWritableFolder(st ? out : path.dirname(out), flag, dir);
  return out;
}

/** The nearest existing ancestor must be a writable folder (missing ones are created on write). */
async function checkWritableFolder(dir: string, flag: string, given: string): Promise<void> {
  let d = dir;
  for (;;) {
    const st = await fs.stat(d).catch(() => null);
    if (st) {
      if (!st.isDirectory()) throw new UsageError(`${flag} ${given}: ${d} is a file, not a folder`);
      try {
        await fs.access(d, fs.constants.W_OK);
      } catch {
        throw new UsageError(`${flag} ${given}: cannot write into ${d} (permission denied)`);
      }
      return;
    }
    const up = path.dirname(d);
    if (up === d) return;
    d = up;
  }
}
