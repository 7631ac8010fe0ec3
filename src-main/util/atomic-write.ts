import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { temporaryPathFor } from './temporary-names';

/**
 * Writes a file so that a reader sees either the old content or the new one, never a torn
 * one: the bytes go to a temporary file beside the target, are flushed, then renamed into place.
 * A failure leaves the existing file untouched and removes the temporary one; a killed process
 * leaves it for util/stale-temporaries to remove at the next start.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true });
  const tmp = temporaryPathFor(target);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, target);
  } catch (err) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}
