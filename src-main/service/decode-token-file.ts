import { DataError } from '../data/errors';
import { readNpy, toInt32 } from '../data/npy';
import type { ProgressFn } from './jobs';
import type { Workspace } from './workspace';

/**
 * Decodes a token file (`.npy` integer ids) with the workspace's tokenizer: the CLI's `decode`.
 * The ids are read within the memory budget, and every refusal names the file, including the
 * decoder's (a shape that does not fit, a decode that would exceed the budget), which on its own
 * only knows it was handed an array.
 */
export async function decodeTokenFile(
  ws: Pick<Workspace, 'decodeTokenArray'>,
  file: string,
  progress?: ProgressFn,
): Promise<{ data: Float32Array | Uint8Array; shape: number[] }> {
  const arr = await readNpy(file);
  if (arr.dtype.startsWith('float')) throw new DataError(file, `token ids must be integers, not ${arr.dtype}`);
  try {
    return await ws.decodeTokenArray(toInt32(arr), arr.shape, progress);
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(file, ((err as Error).message ?? String(err)).replace(/^decode: /, ''));
  }
}
