/**
 * One scene of a dataset (a DatasetScene from its index) as a FrameSequence: its frames in the
 * index's order, with their times and ego poses, and `dataset` saying which scene it is, its
 * split, whether the order is known, and the index's warnings.
 */
import { DataError } from './errors';
import type { DatasetIndex, DatasetScene, DatasetSourceInfo } from './dataset-index';
import type { FrameSequence } from './frame';
import { openOccupancyFiles, type OccupancySequenceOptions } from './occupancy-sequence';
import type { CacheOptions } from './sequence';

export interface SceneOpenOptions extends CacheOptions {
  occupancy?: Pick<OccupancySequenceOptions, 'mode' | 'mask' | 'unobserved'>;
  /** Keep the visibility masks with each frame (default true: metrics and overlays use them). */
  keepMasks?: boolean;
}

export async function openDatasetScene(
  index: Pick<DatasetIndex, 'kind' | 'root' | 'warnings'>,
  scene: DatasetScene,
  opts: SceneOpenOptions = {},
): Promise<FrameSequence> {
  if (scene.frames.length === 0) throw new DataError(index.root, `scene ${scene.name} has no frames`);
  if (index.kind !== 'occ3d') throw new DataError(index.root, `scenes of a ${index.kind} dataset are opened by its own reader`);
  const frames = scene.frames;
  const seqOpts: OccupancySequenceOptions = {
    ...opts.occupancy,
    cacheFrames: opts.cacheFrames,
    cacheBytes: opts.cacheBytes,
    keepMasks: opts.keepMasks ?? true,
    name: scene.name,
    sourcePath: index.root,
  };
  if (frames.every((f) => f.timestampUs !== undefined)) seqOpts.timestampsUs = frames.map((f) => f.timestampUs!);
  if (frames.every((f) => f.egoPose)) seqOpts.egoPoses = frames.map((f) => f.egoPose!);
  const seq = await openOccupancyFiles(frames.map((f) => f.path), seqOpts);
  seq.dataset = datasetSourceInfo(index, scene);
  return seq;
}

export function datasetSourceInfo(index: Pick<DatasetIndex, 'kind' | 'root' | 'warnings'>, scene: DatasetScene): DatasetSourceInfo {
  const info: DatasetSourceInfo = {
    kind: index.kind,
    root: index.root,
    scene: scene.name,
    ordered: scene.ordered,
    tokens: scene.frames.map((f) => f.token),
    warnings: [...index.warnings],
  };
  if (scene.split !== undefined) info.split = scene.split;
  return info;
}

/**
 * Every scene of a split as one sequence, scene after scene, each in its time order: for training
 * a tokenizer on many scenes with frames streamed from disk (only the first frame is read here;
 * the cache options bound what is kept).
 */
export async function openDatasetSplit(index: DatasetIndex, split: string, opts: SceneOpenOptions = {}): Promise<FrameSequence> {
  const scenes = scenesOfSplit(index, split);
  const frames = scenes.flatMap((s) => s.frames);
  const merged: DatasetScene = { name: `${split} split (${scenes.length} scenes)`, split, ordered: scenes.every((s) => s.ordered), frames };
  const seq = await openDatasetScene(index, merged, opts);
  const starts: number[] = [];
  let at = 0;
  for (const s of scenes) {
    starts.push(at);
    at += s.frames.length;
  }
  const info = { ...seq.dataset!, scene: split, scenes: scenes.map((s) => s.name), sceneStarts: starts };
  delete info.tokens;
  seq.dataset = info;
  return seq;
}

/** The scenes of `split` (all of them when undefined); a DataError naming the splits there are when none. */
export function scenesOfSplit(index: DatasetIndex, split: string | undefined): DatasetScene[] {
  if (split === undefined) return index.scenes;
  const picked = index.scenes.filter((s) => s.split === split);
  if (picked.length === 0) {
    const splits = [...new Set(index.scenes.map((s) => s.split).filter((s) => s !== undefined))];
    throw new DataError(index.root, `no scene in split ${JSON.stringify(split)} (splits: ${splits.join(', ') || 'none'})`);
  }
  return picked;
}

/** The scene called `name`, or the first; a DataError listing a few names when there is none. */
export function pickScene(index: DatasetIndex, name?: string): DatasetScene {
  if (index.scenes.length === 0) throw new DataError(index.root, 'the dataset lists no scenes');
  if (name === undefined) return index.scenes[0]!;
  const s = index.scenes.find((x) => x.name === name);
  if (!s) {
    const some = index.scenes.slice(0, 5).map((x) => x.name).join(', ');
    throw new DataError(index.root, `no scene named ${JSON.stringify(name)} (it has ${index.scenes.length}: ${some}${index.scenes.length > 5 ? ', …' : ''})`);
  }
  return s;
}
