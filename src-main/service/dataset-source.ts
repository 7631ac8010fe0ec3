import type { SceneListing } from '../contract/index';
import { findDataset } from '../data/dataset-listing';
import { ArgumentError, ServiceStateError } from './errors';
import { checkObject } from './validate';

/**
 * The service's side of datasets with scenes: the scene picker's listing, and the checks on a
 * scene name that arrives from outside.
 */
export async function sceneListing(root: string): Promise<SceneListing> {
  const index = await findDataset(root);
  if (!index) throw new ServiceStateError(`listScenes: ${root} is no longer a dataset`);
  return {
    kind: index.kind,
    root: index.root,
    warnings: index.warnings,
    scenes: index.scenes.map((s) => {
      const row: SceneListing['scenes'][number] = { name: s.name, frames: s.frames.length, ordered: s.ordered };
      if (s.split !== undefined) row.split = s.split;
      return row;
    }),
  };
}

export function checkSceneOption(method: string, opts: unknown): string | undefined {
  const scene = checkObject(method, opts).scene;
  if (scene === undefined || scene === null) return undefined;
  if (typeof scene !== 'string' || scene === '' || scene.length > 255) throw new ArgumentError(method, `scene must be a scene name, got ${JSON.stringify(scene)}`);
  return scene;
}
