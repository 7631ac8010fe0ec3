import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { looksLikeTorchCheckpoint, SIGNATURE_BYTES } from '../engine/checkpoint/torch/file-signature';
import { checkObject, checkPath } from './validate-arguments';
import { ArgumentError } from './errors';

/**
 * What openCheckpoint needs to tell a PyTorch `.pth` / `.pt` / `.ckpt` from TokenScope's own
 * checkpoint (both may be called `.ckpt`): the file's first bytes, not its name.
 */
export async function isTorchCheckpointFile(file: string): Promise<boolean> {
  const h = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(SIGNATURE_BYTES);
    const { bytesRead } = await h.read(head, 0, SIGNATURE_BYTES, 0);
    return looksLikeTorchCheckpoint(head.subarray(0, bytesRead));
  } finally {
    await h.close();
  }
}

/** openCheckpoint's options: `config`, the config.json of a `.pth` that has none beside it. */
export function checkpointOpenOptions(method: string, opts: unknown): { config?: string } {
  const o = checkObject(method, opts);
  for (const k of Object.keys(o)) if (k !== 'config') throw new ArgumentError(method, `unknown option ${JSON.stringify(k)}`);
  return o.config === undefined || o.config === null ? {} : { config: path.resolve(checkPath(method, o.config)) };
}
