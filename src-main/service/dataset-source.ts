import type { SceneListing } from '../contract/index';
import { findDataset } from '../data/dataset-listing';
import { ArgumentError, ServiceStateError } from './errors';
import { checkObject, checkOptionalInt } from './validate';

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

export interface PathOpenOptions {
  scene?: string;
  split?: string;
  alignTo?: number;
}

/** openPath's options as they arrive from outside: a scene name, a reference frame for ego-motion alignment. */
export function checkOpenOptions(method: string, opts: unknown): PathOpenOptions {
  const o = checkObject(method, opts);
  const out: PathOpenOptions = {};
  for (const key of ['scene', 'split'] as const) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || v === '' || v.length > 255) throw new ArgumentError(method, `${key} must be a ${key} name, got ${JSON.stringify(v)}`);
    out[key] = v;
  }
  const alignTo = checkOptionalInt(method, 'alignTo', o.alignTo, 0, 10_000_000);
  if (alignTo !== undefined) out.alignTo = alignTo;
  return out;
}
