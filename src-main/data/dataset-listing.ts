/**
 * The one place that tells whether a folder is (part of) a dataset kept by its team, and lists
 * it: Occ3D-nuScenes here; other layouts (nuScenes' v1.0-* tables) add their finder to FINDERS.
 */
import * as path from 'node:path';
import type { DatasetIndex } from './dataset-index';
import { findOcc3dDataset } from './occ3d-dataset';

const FINDERS: ((dir: string) => Promise<DatasetIndex | null>)[] = [findOcc3dDataset];

/** The dataset a folder is, or is a part of (its `gts/`, one scene), or null. */
export async function findDataset(dir: string): Promise<DatasetIndex | null> {
  for (const find of FINDERS) {
    const index = await find(path.resolve(dir));
    if (index) return index;
  }
  return null;
}
