import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { temporaryPathFor } from './temporary-names';

/**
 * Writes a folder so that it holds either the old content or the whole new one, never a mix
 * (an old `tokens.npy` beside another model's weights): `write` fills a temporary folder beside
 * the target, which then takes the target's place. An existing target is replaced only when
 * every entry in it is one `replaceable` names (the files this kind of folder consists of);
 * anything else in it is the user's, and the write is refused before any work.
 */
export class FolderWriteError extends Error {
  constructor(
    readonly folder: string,
    problem: string,
  ) {
    super(`${folder}: ${problem}`);
    this.name = 'FolderWriteError';
  }
}

/** Throws when `target` exists and is not a folder we may replace; call it before expensive work. */
export async function checkReplaceableFolder(target: string, replaceable: readonly string[]): Promise<void> {
  const st = await fs.lstat(target).catch(() => null);
  if (!st) return;
  if (!st.isDirectory()) throw new FolderWriteError(target, 'exists and is not a folder');
  const foreign = (await fs.readdir(target)).filter((n) => !replaceable.includes(n));
  if (foreign.length) {
    const listed = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, … (${foreign.length} in all)` : '');
    throw new FolderWriteError(target, `holds files that are not ours to replace (${listed}): choose a new or empty folder`);
  }
}

/**
 * Runs `write(tmp)` into a fresh temporary folder, then puts it in place of `target`. Returns
 * what `write` returned, its file names mapped from the temporary folder into `target`. On any
 * failure the target is as it was and the temporary folder is gone.
 */
export async function writeFolderAtomic(target: string, replaceable: readonly string[], write: (dir: string) => Promise<string[]>): Promise<string[]> {
  await checkReplaceableFolder(target, replaceable);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = temporaryPathFor(target);
  await fs.mkdir(tmp);
  let old: string | null = null;
  try {
    const files = await write(tmp);
    // Checked again: something may have appeared while the work ran.
    await checkReplaceableFolder(target, replaceable);
    const existing = await fs.lstat(target).catch(() => null);
    if (existing) {
      old = temporaryPathFor(target);
      await fs.rename(target, old);
    }
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      if (old) await fs.rename(old, target);
      old = null;
      throw err;
    }
    return files.map((f) => path.join(target, path.relative(tmp, f)));
  } finally {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (old) await fs.rm(old, { recursive: true, force: true }).catch(() => undefined);
  }
}
