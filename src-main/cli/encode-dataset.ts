import * as path from 'node:path';
import { UsageError } from './errors';
import { openWorkspace, withJobProgress } from './open-workspace';

/**
 * `tokenscope encode MODEL DATASET -o DIR`: when the data are a dataset with scenes and the
 * output is not a `.npy` file, every scene (or `--split`) goes to its own token file plus
 * index.json in DIR; rerun after an interruption to resume. Null when the arguments ask for the
 * single-sequence encode instead.
 */
export interface DatasetEncodeCliOptions {
  out: string;
  scene?: string;
  split?: string;
  maxMemory?: number;
  workers?: number;
}

export async function wantsDatasetEncode(data: string | undefined, o: DatasetEncodeCliOptions): Promise<boolean> {
  const toFolder = !o.out.toLowerCase().endsWith('.npy');
  if (!data || o.scene !== undefined || !toFolder) {
    if (o.split !== undefined) throw new UsageError('--split needs a dataset (Occ3D root or gts/) and an output folder (-o DIR), without --scene');
    return false;
  }
  const { findDataset } = await import('../data/dataset-listing');
  const { stat } = await import('node:fs/promises');
  const isDir = await stat(data).then((s) => s.isDirectory(), () => false);
  if (isDir && (await findDataset(data))) return true;
  if (o.split !== undefined) throw new UsageError(`--split: ${path.basename(data)} is not a dataset with scenes`);
  return false;
}

export async function encodeDatasetToFolder(checkpoint: string, data: string, o: DatasetEncodeCliOptions): Promise<void> {
  const ws = await openWorkspace(undefined, {});
  try {
    await ws.openCheckpoint(checkpoint);
    const opts = {
      ...(o.split !== undefined ? { split: o.split } : {}),
      ...(o.maxMemory !== undefined ? { maxMemoryMiB: o.maxMemory } : {}),
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
    };
    const r = await withJobProgress(ws, 'encode', () => ws.exportDatasetTokens(path.resolve(data), path.resolve(o.out), opts));
    process.stdout.write(`${r.index}\t${r.scenes} scene(s): ${r.encoded.length} encoded, ${r.skipped.length} already done\n`);
    if (r.engine) process.stderr.write(`encoded with ${r.engine}\n`);
  } finally {
    await ws.dispose();
  }
}
