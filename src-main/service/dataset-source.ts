import type { SceneListing } from '../contract/index';
import { findDataset } from '../data/dataset-listing';
import { ServiceStateError } from './errors';

/** The service's side of datasets with scenes: the scene picker's listing. */
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
