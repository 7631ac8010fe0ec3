/**
 * Opening a nuScenes root: its index (kept for the last root opened, so that picking another
 * scene does not stream the tables again while they are unchanged), then one scene: the one
 * asked for, else the first by name that has lidar keyframes.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DatasetIndex } from '../dataset-index';
import { DataError } from '../errors';
import type { FrameSequence } from '../frame';
import { nuScenesVersions } from './dataset-root';
import { readNuScenesIndex } from './read-index';
import { openNuScenesScene, type NuScenesSceneOptions } from './scene-sequence';

export interface NuScenesOpenOptions extends NuScenesSceneOptions {
  scene?: string;
  version?: string;
}

let cached: { key: string; index: Promise<DatasetIndex> } | null = null;

/** The index of a root, read once while its tables are unchanged. */
export async function nuScenesIndexOf(root: string, version?: string): Promise<DatasetIndex> {
  const abs = path.resolve(root);
  const v = version ?? (await nuScenesVersions(abs))[0];
  const stamps = await Promise.all(
    ['scene.json', 'sample.json', 'sample_data.json', 'lidarseg.json'].map((t) =>
      fs.stat(path.join(abs, v ?? '', t)).then((s) => `${s.size}@${s.mtimeMs}`, () => '-'),
    ),
  );
  const key = `${abs}|${version ?? ''}|${stamps.join('|')}`;
  if (cached?.key !== key) {
    const index = readNuScenesIndex(abs, { version });
    cached = { key, index };
    index.catch(() => {
      if (cached?.index === index) cached = null;
    });
  }
  return cached.index;
}

export async function openNuScenesRoot(root: string, opts: NuScenesOpenOptions = {}): Promise<FrameSequence> {
  const index = await nuScenesIndexOf(root, opts.version);
  const scene = opts.scene ?? index.scenes.find((s) => s.frames.length > 0)?.name;
  if (!scene) throw new DataError(root, 'no scene of this nuScenes root has lidar keyframes');
  return openNuScenesScene(index, scene, opts);
}
