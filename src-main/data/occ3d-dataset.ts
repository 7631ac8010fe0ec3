/**
 * Occ3D-nuScenes as its authors lay it out: a root holding `annotations.json` and
 * `gts/<scene>/<sample token>/labels.npz`. Any of the root, `gts/` or one scene folder opens;
 * the index says which scenes there are, their split, and their frames in time order.
 * Sample tokens are random hashes, so without `annotations.json` the order is unknown: the
 * scene is marked unordered, listed in name order, and a warning says so (no guess passed off
 * as time).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DatasetFrameRef, DatasetIndex, DatasetScene } from './dataset-index';
import { readOcc3dAnnotations, type Occ3dAnnotations, type Occ3dFrameInfo } from './occ3d-annotations';
import { naturalCompare } from './sequence';

export const ANNOTATIONS_FILE = 'annotations.json';
export const GTS_FOLDER = 'gts';
export const LABELS_FILE = 'labels.npz';
/** How far above a lone scene folder to look for annotations.json (scene → gts → root, plus one). */
const ANNOTATION_SEARCH_LEVELS = 3;

export const UNORDERED_WARNING =
  'no annotations.json found: the frames’ time order is unknown (sample tokens are random hashes), so they are listed in name order, which is not time order';

/**
 * The dataset `dir` belongs to, or null when `dir` is not an Occ3D root, `gts/` or scene folder
 * (a single frame folder holding labels.npz is not a dataset either).
 */
export async function findOcc3dDataset(dir: string): Promise<DatasetIndex | null> {
  const abs = path.resolve(dir);
  const annotations = path.join(abs, ANNOTATIONS_FILE);
  if ((await isFile(annotations)) || (await isDir(path.join(abs, GTS_FOLDER)))) return indexRoot(abs);
  if (await isFile(path.join(abs, LABELS_FILE))) return null;
  const shape = await folderShape(abs);
  if (shape === 'scenes') {
    // gts/ itself (or a copy of it): the root is the folder above when it holds the annotations.
    const parent = path.dirname(abs);
    if (await isFile(path.join(parent, ANNOTATIONS_FILE))) return indexRoot(parent, abs);
    return indexUnannotated(abs, abs);
  }
  if (shape === 'frames') return indexLoneScene(abs);
  return null;
}

/** Whether a folder's subfolders are frames (hold labels.npz) or scenes (hold frame folders). */
async function folderShape(dir: string): Promise<'frames' | 'scenes' | null> {
  const subs = await subfolders(dir);
  // A few are enough to tell: the layout is uniform, and big datasets have hundreds of scenes.
  for (const s of subs.slice(0, 8)) {
    if (await isFile(path.join(dir, s, LABELS_FILE))) return 'frames';
  }
  for (const s of subs.slice(0, 4)) {
    for (const f of (await subfolders(path.join(dir, s))).slice(0, 4)) {
      if (await isFile(path.join(dir, s, f, LABELS_FILE))) return 'scenes';
    }
  }
  return null;
}

async function indexRoot(root: string, gtsDir = path.join(root, GTS_FOLDER)): Promise<DatasetIndex> {
  const file = path.join(root, ANNOTATIONS_FILE);
  if (!(await isFile(file))) return indexUnannotated(root, gtsDir);
  const ann = await readOcc3dAnnotations(file);
  const scenes: DatasetScene[] = [];
  for (const [name, infos] of ann.scenes) scenes.push(sceneFromInfos(root, name, ann, infos));
  scenes.sort((a, b) => naturalCompare(a.name, b.name));
  const warnings: string[] = [];
  const onDisk = await subfolders(gtsDir);
  const missing = onDisk.filter((s) => !ann.scenes.has(s));
  if (missing.length) {
    warnings.push(`${missing.length} scene folder(s) in ${GTS_FOLDER}/ are not in ${ANNOTATIONS_FILE} and are not listed (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})`);
  }
  const unordered = scenes.filter((s) => !s.ordered);
  if (unordered.length) warnings.push(`${unordered.length} scene(s) have frames without a timestamp: listed in name order, which is not time order (${unordered[0]!.name}${unordered.length > 1 ? ', …' : ''})`);
  return { kind: 'occ3d', root, scenes, warnings };
}

function sceneFromInfos(root: string, name: string, ann: Occ3dAnnotations, infos: Occ3dFrameInfo[]): DatasetScene {
  const ordered = infos.every((f) => f.timestampUs !== undefined);
  const sorted = [...infos].sort(
    ordered ? (a, b) => a.timestampUs! - b.timestampUs! || plainCompare(a.token, b.token) : (a, b) => plainCompare(a.token, b.token),
  );
  const frames = sorted.map((f, index) => {
    const ref: DatasetFrameRef = { index, token: f.token, path: path.join(root, ...f.gtPath.split('/')) };
    if (f.timestampUs !== undefined) ref.timestampUs = f.timestampUs;
    if (f.egoPose) ref.egoPose = f.egoPose;
    return ref;
  });
  const scene: DatasetScene = { name, frames, ordered };
  const split = ann.splits.get(name);
  if (split !== undefined) scene.split = split;
  return scene;
}

/** gts/ without annotations: every scene folder, frames in name order. */
async function indexUnannotated(root: string, gtsDir: string): Promise<DatasetIndex> {
  const scenes: DatasetScene[] = [];
  for (const name of (await subfolders(gtsDir)).sort(naturalCompare)) {
    const tokens = (await subfolders(path.join(gtsDir, name))).sort(plainCompare);
    if (!tokens.length) continue;
    scenes.push({ name, ordered: false, frames: tokens.map((token, index) => ({ index, token, path: path.join(gtsDir, name, token, LABELS_FILE) })) });
  }
  return { kind: 'occ3d', root, scenes, warnings: [UNORDERED_WARNING] };
}

/** One scene folder: its own frames, ordered by the annotations found above it, if any. */
async function indexLoneScene(dir: string): Promise<DatasetIndex> {
  const name = path.basename(dir);
  const tokens: string[] = [];
  for (const t of (await subfolders(dir)).sort(plainCompare)) {
    if (await isFile(path.join(dir, t, LABELS_FILE))) tokens.push(t);
  }
  let up = dir;
  for (let level = 0; level < ANNOTATION_SEARCH_LEVELS; level++) {
    up = path.dirname(up);
    const file = path.join(up, ANNOTATIONS_FILE);
    if (!(await isFile(file))) continue;
    const ann = await readOcc3dAnnotations(file);
    const infos = ann.scenes.get(name);
    if (!infos) {
      return unorderedScene(dir, name, tokens, [`${path.relative(dir, file)} does not list scene ${name}: ${UNORDERED_WARNING}`]);
    }
    // The folder's own files (it may have been copied away from gt_path), the annotations' times.
    const byToken = new Map(infos.map((f) => [f.token, f]));
    const known = tokens.filter((t) => byToken.has(t)).map((t) => ({ ...byToken.get(t)!, gtPath: '' }));
    const scene = sceneFromInfos(dir, name, ann, known);
    for (const f of scene.frames) f.path = path.join(dir, f.token, LABELS_FILE);
    const warnings: string[] = [];
    const stray = tokens.length - known.length;
    if (stray) warnings.push(`${stray} frame folder(s) of ${name} are not in ${path.relative(dir, file)} and are left out`);
    if (!scene.ordered) warnings.push(`scene ${name} has frames without a timestamp: listed in name order, which is not time order`);
    return { kind: 'occ3d', root: up, scenes: [scene], warnings };
  }
  return unorderedScene(dir, name, tokens, [UNORDERED_WARNING]);
}

function unorderedScene(dir: string, name: string, tokens: string[], warnings: string[]): DatasetIndex {
  const frames = tokens.map((token, index) => ({ index, token, path: path.join(dir, token, LABELS_FILE) }));
  return { kind: 'occ3d', root: path.dirname(dir), scenes: [{ name, ordered: false, frames }], warnings };
}

/** Sample tokens are hex hashes: plain code-point order, nothing clever (no numeric runs). */
function plainCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch {
    return [];
  }
}

async function isFile(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isFile(), () => false);
}

async function isDir(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isDirectory(), () => false);
}
