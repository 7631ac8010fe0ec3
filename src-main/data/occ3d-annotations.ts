/**
 * Occ3D-nuScenes' `annotations.json`, as its authors publish it: `train_split` / `val_split`
 * (lists of scene names; any other `<name>_split` list is a split too), and `scene_infos`:
 * scene name → sample token → { timestamp (µs, a number or a numeric string), gt_path (relative to
 * the dataset root), ego_pose { translation, rotation (w, x, y, z) }, prev, next, camera_sensor }.
 * OccWorld's info files carry the pose as `ego2global_translation` / `ego2global_rotation`
 * instead: both spellings are read. Nothing in the file is trusted to name other files:
 * `gt_path` must stay inside the root, and names and tokens must be single path components.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError, isFsError } from './errors';
import type { EgoPose } from './frame';

/** The real file is tens of MB; a bound keeps a wrong file from exhausting memory. */
export const MAX_ANNOTATIONS_BYTES = 512 * 1024 * 1024;

export interface Occ3dFrameInfo {
  token: string;
  timestampUs?: number;
  /** Relative to the dataset root, checked to stay inside it. */
  gtPath: string;
  egoPose?: EgoPose;
}

export interface Occ3dAnnotations {
  file: string;
  /** Scene name → split name ('train', 'val', …). */
  splits: Map<string, string>;
  /** Scene name → its frames, in the file's order (sorting by time is the index's job). */
  scenes: Map<string, Occ3dFrameInfo[]>;
}

export async function readOcc3dAnnotations(file: string): Promise<Occ3dAnnotations> {
  let size: number;
  try {
    size = (await fs.stat(file)).size;
  } catch (err) {
    if (isFsError(err, 'ENOENT')) throw new DataError(file, 'no such file');
    throw new DataError(file, `cannot read: ${(err as Error).message}`);
  }
  if (size > MAX_ANNOTATIONS_BYTES) {
    throw new DataError(file, `is ${(size / 2 ** 20).toFixed(0)} MiB, more than the ${MAX_ANNOTATIONS_BYTES / 2 ** 20} MiB an Occ3D annotations.json can be`);
  }
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new DataError(file, `is not valid JSON: ${(err as Error).message}`);
  }
  return parseOcc3dAnnotations(json, file);
}

export function parseOcc3dAnnotations(json: unknown, file: string): Occ3dAnnotations {
  if (!isRecord(json)) throw new DataError(file, 'expected a JSON object with train_split, val_split and scene_infos');
  const infos = json.scene_infos;
  if (!isRecord(infos)) throw new DataError(file, "has no 'scene_infos' object (scene name → sample token → frame info)");
  const splits = new Map<string, string>();
  for (const [key, value] of Object.entries(json)) {
    const m = /^(.+)_split$/.exec(key);
    if (!m) continue;
    if (!Array.isArray(value)) throw new DataError(file, `'${key}' is not a list of scene names`);
    for (const name of value) {
      if (typeof name !== 'string') throw new DataError(file, `'${key}' holds ${JSON.stringify(name)}, not a scene name`);
      splits.set(name, m[1]!);
    }
  }
  const scenes = new Map<string, Occ3dFrameInfo[]>();
  for (const [scene, frames] of Object.entries(infos)) {
    checkComponent(file, 'scene name', scene);
    if (!isRecord(frames)) throw new DataError(file, `scene_infos['${scene}'] is not an object of sample token → frame info`);
    const list: Occ3dFrameInfo[] = [];
    for (const [token, info] of Object.entries(frames)) {
      checkComponent(file, `sample token of ${scene}`, token);
      if (!isRecord(info)) throw new DataError(file, `scene_infos['${scene}']['${token}'] is not an object`);
      list.push(frameInfo(file, scene, token, info));
    }
    scenes.set(scene, list);
  }
  return { file, splits, scenes };
}

function frameInfo(file: string, scene: string, token: string, info: Record<string, unknown>): Occ3dFrameInfo {
  const where = `scene_infos['${scene}']['${token}']`;
  const out: Occ3dFrameInfo = { token, gtPath: checkGtPath(file, where, info.gt_path, scene, token) };
  const ts = info.timestamp;
  if (ts !== undefined && ts !== null) {
    const n = typeof ts === 'string' && /^\d+(\.\d+)?$/.test(ts.trim()) ? Number(ts) : ts;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new DataError(file, `${where}.timestamp is ${JSON.stringify(ts)}, not a time in µs`);
    out.timestampUs = n;
  }
  const pose = egoPoseOf(info);
  if (pose) out.egoPose = checkPose(file, where, pose);
  return out;
}

/** `ego_pose` { translation, rotation } (Occ3D) or `ego2global_*` (OccWorld / mmdet3d infos). */
function egoPoseOf(info: Record<string, unknown>): { translation: unknown; rotation: unknown } | undefined {
  if (isRecord(info.ego_pose)) return { translation: info.ego_pose.translation, rotation: info.ego_pose.rotation };
  if (info.ego2global_translation !== undefined) return { translation: info.ego2global_translation, rotation: info.ego2global_rotation };
  return undefined;
}

function checkPose(file: string, where: string, p: { translation: unknown; rotation: unknown }): EgoPose {
  const t = numbers(p.translation, 3);
  const r = numbers(p.rotation, 4);
  if (!t) throw new DataError(file, `${where}: the ego pose's translation is ${JSON.stringify(p.translation)}, expected [x, y, z] in metres`);
  if (!r || Math.hypot(...r) < 1e-6) throw new DataError(file, `${where}: the ego pose's rotation is ${JSON.stringify(p.rotation)}, expected a quaternion [w, x, y, z]`);
  return { translation: t as [number, number, number], rotationWxyz: r as [number, number, number, number] };
}

function numbers(v: unknown, n: number): number[] | undefined {
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) return undefined;
  return v as number[];
}

/** gt_path: relative, inside the root, a labels file; absent → the layout's own path. */
function checkGtPath(file: string, where: string, gt: unknown, scene: string, token: string): string {
  if (gt === undefined || gt === null) return path.posix.join('gts', scene, token, 'labels.npz');
  if (typeof gt !== 'string' || gt.length === 0 || gt.length > 4096) throw new DataError(file, `${where}.gt_path is ${JSON.stringify(gt)}, not a relative path`);
  const norm = path.posix.normalize(gt.replace(/\\/g, '/'));
  if (path.posix.isAbsolute(norm) || /^[a-zA-Z]:/.test(norm) || norm === '..' || norm.startsWith('../') || norm.includes('\0')) {
    throw new DataError(file, `${where}.gt_path '${gt}' points outside the dataset root; only paths inside it are read`);
  }
  if (!norm.toLowerCase().endsWith('.npz')) throw new DataError(file, `${where}.gt_path '${gt}' is not a labels .npz file`);
  return norm;
}

/** Names and tokens become folder names: one component, nothing that climbs or hides. */
function checkComponent(file: string, what: string, name: string): void {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name) || name.length > 255) {
    throw new DataError(file, `${what} ${JSON.stringify(name)} is not a plain name`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
