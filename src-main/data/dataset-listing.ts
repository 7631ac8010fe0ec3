/**
 * The one place that tells whether a folder is (part of) a dataset kept by its team, and lists
 * it: Occ3D-nuScenes (annotations.json) and nuScenes (v1.0-* tables); another layout adds its finder to FINDERS.
 */
import * as path from 'node:path';
import type { DatasetIndex } from './dataset-index';
import { findOcc3dDataset } from './occ3d-dataset';
import { isNuScenesRoot } from './nuscenes/dataset-root';
import { nuScenesIndexOf } from './nuscenes/open-root';

async function findNuScenesDataset(dir: string): Promise<DatasetIndex | null> {
  return (await isNuScenesRoot(dir)) ? nuScenesIndexOf(dir) : null;
}

const FINDERS: ((dir: string) => Promise<DatasetIndex | null>)[] = [findOcc3dDataset, findNuScenesDataset];

/** The dataset a folder is, or is a part of (its `gts/`, one scene), or null. */
export async function findDataset(dir: string): Promise<DatasetIndex | null> {
  for (const find of FINDERS) {
    const index = await find(path.resolve(dir));
    if (index) return index;
  }
  return null;
}
