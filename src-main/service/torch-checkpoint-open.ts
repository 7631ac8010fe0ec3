import * as path from 'node:path';
import { openRegularFile, readRange } from '../data/read-bytes';
import { looksLikeTorchCheckpoint, SIGNATURE_BYTES } from '../engine/checkpoint/torch/file-signature';
import { checkObject, checkPath } from './validate-arguments';
import { ArgumentError } from './errors';

/**
 * What openCheckpoint needs to tell a PyTorch `.pth` / `.pt` / `.ckpt` from TokenScope's own
 * checkpoint (both may be called `.ckpt`): the file's first bytes, not its name.
 */
export async function isTorchCheckpointFile(file: string): Promise<boolean> {
  // Regular files only (a FIFO would block the read), through the one safe reader.
  const { handle, size } = await openRegularFile(file);
  try {
    return looksLikeTorchCheckpoint(await readRange(handle, file, 0, Math.min(SIGNATURE_BYTES, size)));
  } finally {
    await handle.close();
  }
}

/** openCheckpoint's options: `config`, the config.json of a `.pth` that has none beside it. */
export function checkpointOpenOptions(method: string, opts: unknown): { config?: string } {
  const o = checkObject(method, opts);
  for (const k of Object.keys(o)) if (k !== 'config') throw new ArgumentError(method, `unknown option ${JSON.stringify(k)}`);
  return o.config === undefined || o.config === null ? {} : { config: path.resolve(checkPath(method, o.config)) };
}
