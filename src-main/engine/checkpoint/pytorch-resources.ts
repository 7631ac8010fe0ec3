import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding the PyTorch twin and the training kit (resources/pytorch in the repository;
 * `pytorch/` under the packaged app's resources, where electron-builder's extraResources puts it).
 * Found by walking up from this module, so it works from sources, from electron-vite's bundle
 * and from an installed package alike.
 */
export function pytorchResourceDir(): string {
  const packaged = (process as { resourcesPath?: string }).resourcesPath;
  const candidates: string[] = [];
  if (packaged) candidates.push(path.join(packaged, 'pytorch'));
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(path.join(dir, 'resources', 'pytorch'));
    dir = path.dirname(dir);
  }
  const found = candidates.find((c) => existsSync(path.join(c, 'train.py')));
  if (!found) throw new Error(`the PyTorch training kit is missing from this installation (looked in ${candidates.join(', ')})`);
  return found;
}
