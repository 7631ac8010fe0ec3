import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isOurTemporaryName } from './temporary-names';

/**
 * A write in progress takes seconds, even for a large checkpoint on a slow disk; an hour-old
 * temporary belongs to a process that died. Younger ones may be another process's live write.
 */
export const STALE_AFTER_MS = 60 * 60 * 1000;

/**
 * Removes the temporaries of our own naming (util/temporary-names) in `dir` that are older than
 * `olderThanMs`: what a killed process left behind. Only direct entries, only our shape, only
 * plain files and folders (never a link's target); a missing or unreadable folder is no error.
 * Returns the names removed.
 */
export async function removeStaleTemporaries(dir: string, olderThanMs = STALE_AFTER_MS, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!isOurTemporaryName(name)) continue;
    const file = path.join(dir, name);
    const st = await fs.lstat(file).catch(() => null);
    if (!st || !(st.isFile() || st.isDirectory())) continue;
    if (now - st.mtimeMs < olderThanMs) continue;
    await fs.rm(file, { recursive: st.isDirectory(), force: true }).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

/** Sweeps each folder once per process lifetime (the first write into it), not on every write. */
export class TemporarySweeper {
  private readonly swept = new Set<string>();

  constructor(private readonly olderThanMs = STALE_AFTER_MS) {}

  async sweep(dir: string): Promise<string[]> {
    const d = path.resolve(dir);
    if (this.swept.has(d)) return [];
    this.swept.add(d);
    return removeStaleTemporaries(d, this.olderThanMs);
  }
}
