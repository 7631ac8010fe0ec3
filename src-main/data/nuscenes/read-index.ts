/**
 * A nuScenes root as a DatasetIndex: its scenes (by name, with the devkit's split) and, per
 * scene, the LIDAR_TOP keyframes in time order, with each sweep's ego pose, the lidar's
 * calibration and, when nuScenes-lidarseg is installed, its label file. Fields follow the schema
 * (nuscenes-devkit docs/schema_nuscenes.md): sample_data links a sweep to its sample, ego_pose
 * and calibrated_sensor; sample links to scene; lidarseg links a label file to a sample_data.
 * The big tables are streamed and only the lidar's rows kept.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DatasetFrameRef, DatasetIndex, DatasetScene } from '../dataset-index';
import { DataError } from '../errors';
import type { EgoPose } from '../frame';
import { insideRoot, nuScenesVersions } from './dataset-root';
import { forEachJsonRecord } from './json-records';
import { numberingOf, type LidarsegNumbering } from './lidarseg-classes';
import { nuScenesSplit } from './splits';

export interface NuScenesIndexOptions {
  /** Which table folder when the root has several (default: the first by name, with a warning). */
  version?: string;
  /** The sensor channel whose sweeps are read (default LIDAR_TOP). */
  channel?: string;
}

interface LidarRow {
  token: string;
  sampleToken: string;
  egoPoseToken: string;
  calibToken: string;
  timestampUs: number;
  keyFrame: boolean;
  file: string;
}

type Rec = Record<string, unknown>;

export async function readNuScenesIndex(root: string, opts: NuScenesIndexOptions = {}): Promise<DatasetIndex> {
  const warnings: string[] = [];
  const versions = await nuScenesVersions(root);
  if (versions.length === 0) throw new DataError(root, 'not a nuScenes root: no v1.0-*/ folder with scene.json');
  const version = opts.version ?? versions[0]!;
  if (!versions.includes(version)) throw new DataError(root, `has no table folder ${version} (found ${versions.join(', ')})`);
  if (!opts.version && versions.length > 1) warnings.push(`${path.basename(root)} holds ${versions.join(', ')}: showing ${version}`);
  const tables = path.join(root, version);
  const channel = opts.channel ?? 'LIDAR_TOP';
  const table = (name: string) => path.join(tables, name);

  const scenes = new Map<string, { name: string }>();
  await forEachJsonRecord(table('scene.json'), (r, i) => {
    scenes.set(str(r, 'token', table('scene.json'), i), { name: str(r, 'name', table('scene.json'), i) });
  });
  const sampleScene = new Map<string, string>();
  await forEachJsonRecord(table('sample.json'), (r, i) => {
    sampleScene.set(str(r, 'token', table('sample.json'), i), str(r, 'scene_token', table('sample.json'), i));
  });

  // sample_data holds every camera and radar too: keep the channel's rows only.
  const prefixes = [`samples/${channel}/`, `sweeps/${channel}/`];
  const rows: LidarRow[] = [];
  const sdFile = table('sample_data.json');
  await forEachJsonRecord(sdFile, (r, i) => {
    const name = r.filename;
    if (typeof name !== 'string' || !prefixes.some((p) => name.replace(/\\/g, '/').startsWith(p))) return;
    rows.push({
      token: str(r, 'token', sdFile, i),
      sampleToken: str(r, 'sample_token', sdFile, i),
      egoPoseToken: str(r, 'ego_pose_token', sdFile, i),
      calibToken: str(r, 'calibrated_sensor_token', sdFile, i),
      timestampUs: num(r, 'timestamp', sdFile, i),
      keyFrame: r.is_key_frame === true,
      file: insideRoot(root, name, sdFile, `record ${i}`, prefixes),
    });
  });
  if (rows.length === 0) warnings.push(`${version}/sample_data.json lists no ${channel} sweeps`);

  const wantedPoses = new Set(rows.map((r) => r.egoPoseToken));
  const poses = new Map<string, EgoPose>();
  const epFile = table('ego_pose.json');
  await forEachJsonRecord(epFile, (r, i) => {
    const token = str(r, 'token', epFile, i);
    if (wantedPoses.has(token)) poses.set(token, pose(r, epFile, i));
  });
  const calibs = new Map<string, EgoPose>();
  const csFile = table('calibrated_sensor.json');
  await forEachJsonRecord(csFile, (r, i) => {
    calibs.set(str(r, 'token', csFile, i), pose(r, csFile, i));
  });
  const labels = await readLidarseg(root, tables);
  const pointClasses = labels.size ? await readCategoryNumbering(tables) : undefined;
  if (pointClasses?.unknown.length) {
    warnings.push(`${version}/category.json has lidarseg classes the devkit does not know (${pointClasses.unknown.join(', ')}): drawn grey, merged to 'others' in the class channels`);
  }

  const byScene = new Map<string, LidarRow[]>();
  for (const row of rows) {
    const scene = sampleScene.get(row.sampleToken);
    if (scene === undefined) throw new DataError(sdFile, `sample_data ${row.token} names sample ${row.sampleToken}, which sample.json does not have`);
    if (!scenes.has(scene)) throw new DataError(table('sample.json'), `sample ${row.sampleToken} names scene ${scene}, which scene.json does not have`);
    let list = byScene.get(scene);
    if (!list) byScene.set(scene, (list = []));
    list.push(row);
  }
  const ref = (row: LidarRow, index: number, token: string): DatasetFrameRef => {
    const egoPose = poses.get(row.egoPoseToken);
    if (!egoPose) throw new DataError(epFile, `has no ego pose ${row.egoPoseToken} (named by sample_data ${row.token})`);
    const sensorToEgo = calibs.get(row.calibToken);
    if (!sensorToEgo) throw new DataError(csFile, `has no calibrated sensor ${row.calibToken} (named by sample_data ${row.token})`);
    const out: DatasetFrameRef = { index, token, timestampUs: row.timestampUs, path: row.file, egoPose, sensorToEgo, keyFrame: row.keyFrame };
    const labelsPath = labels.get(row.token);
    if (labelsPath) out.labelsPath = labelsPath;
    return out;
  };
  const out: DatasetScene[] = [];
  for (const [token, { name }] of scenes) {
    const list = (byScene.get(token) ?? []).sort((a, b) => a.timestampUs - b.timestampUs);
    const keys = list.filter((r) => r.keyFrame);
    out.push({
      name,
      split: nuScenesSplit(version, name),
      frames: keys.map((r, i) => ref(r, i, r.sampleToken)),
      ordered: true,
      sweeps: list.map((r, i) => ref(r, i, r.token)),
    });
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { kind: 'nuscenes', root, scenes: out, warnings, ...(pointClasses ? { pointClasses } : {}) };
}

/** category.json's lidarseg numbering (its `index` fields), when it has one. */
async function readCategoryNumbering(tables: string): Promise<LidarsegNumbering | undefined> {
  const file = path.join(tables, 'category.json');
  try {
    await fs.access(file);
  } catch {
    return undefined;
  }
  const byIndex = new Map<number, string>();
  await forEachJsonRecord(file, (r, i) => {
    if (r.index === undefined) return;
    const index = r.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 255) {
      throw new DataError(file, `record ${i}: index ${JSON.stringify(index)} is not a label id 0..255`);
    }
    byIndex.set(index, str(r, 'name', file, i));
  });
  return byIndex.size ? numberingOf(byIndex) : undefined;
}

/** lidarseg.json (optional): sample_data token → its `_lidarseg.bin`. */
async function readLidarseg(root: string, tables: string): Promise<Map<string, string>> {
  const file = path.join(tables, 'lidarseg.json');
  const out = new Map<string, string>();
  try {
    await fs.access(file);
  } catch {
    return out;
  }
  await forEachJsonRecord(file, (r, i) => {
    out.set(str(r, 'sample_data_token', file, i), insideRoot(root, r.filename, file, `record ${i}`, ['lidarseg/']));
  });
  return out;
}

function str(r: Rec, key: string, file: string, i: number): string {
  const v = r[key];
  if (typeof v !== 'string') throw new DataError(file, `record ${i} has no valid '${key}' (a string)`);
  return v;
}

function num(r: Rec, key: string, file: string, i: number): number {
  const v = r[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new DataError(file, `record ${i} has no valid '${key}' (a number)`);
  return v;
}

function pose(r: Rec, file: string, i: number): EgoPose {
  const vec = (key: string, n: number): number[] => {
    const v = r[key];
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new DataError(file, `record ${i} has no valid '${key}' (${n} numbers)`);
    }
    return v as number[];
  };
  const q = vec('rotation', 4);
  if (!(Math.hypot(...q) > 0)) throw new DataError(file, `record ${i}: rotation ${JSON.stringify(q)} is not a quaternion (w, x, y, z)`);
  return { translation: vec('translation', 3) as EgoPose['translation'], rotationWxyz: q as EgoPose['rotationWxyz'] };
}
