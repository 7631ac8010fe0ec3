/**
 * Tests only: builds a small nuScenes root in the real layout (v1.0-mini tables in the devkit's
 * schema, samples/ and sweeps/ LIDAR_TOP .pcd.bin, lidarseg .bin labels) from the real sample
 * in ../shared/data/nuscenes-lidarseg-seq11. Tokens are random hashes, tables list records out
 * of time order, and scene.json lists the scenes out of name order, as nothing may rely on either.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readPointCloud, readPointLabels } from '../lidar';
import { LIDARSEG_CLASSES, LIDARSEG_TO_CHALLENGE } from './lidarseg-classes';

export interface SampleFrameMeta {
  frame: number;
  timestamp_us: number;
  ego2global_translation: number[];
  ego2global_rotation_wxyz: number[];
  lidar2ego_translation: number[];
  lidar2ego_rotation_wxyz: number[];
}

export interface TestTree {
  root: string;
  meta: SampleFrameMeta[];
  /** Scene name → the sample frames it holds, in time order. */
  scenes: Record<string, number[]>;
  /** Sweeps (non-key sample_data) per scene: copies of a keyframe shifted 1 m along the sensor's x, 0.25 s later. */
  sweepsPerScene: number;
  /** sample token of each sample frame. */
  sampleTokens: Map<number, string>;
}

export const token = () => randomBytes(16).toString('hex');

/** Raw lidarseg id for each challenge id: the first raw class that merges into it. */
export function rawIdOf(challengeId: number): number {
  return LIDARSEG_TO_CHALLENGE.indexOf(challengeId);
}

function pcdBin(points: Float32Array, count: number, dx = 0): Uint8Array {
  const out = new Float32Array(count * 5);
  for (let p = 0; p < count; p++) out.set([points[p * 4]! + dx, points[p * 4 + 1]!, points[p * 4 + 2]!, points[p * 4 + 3]!, p % 32], p * 5);
  return new Uint8Array(out.buffer);
}

/** Writes the tree under `root` from the sample at `sample`: scene-0916 = frames 5..9, scene-0061 = frames 0..4. */
export async function buildNuScenesTree(root: string, sample: string): Promise<TestTree> {
  const meta = (JSON.parse(readFileSync(path.join(sample, 'meta.json'), 'utf8')) as { frames: SampleFrameMeta[] }).frames;
  const scenes: Record<string, number[]> = { 'scene-0916': [5, 6, 7, 8, 9], 'scene-0061': [0, 1, 2, 3, 4] };
  const version = 'v1.0-mini';
  for (const d of [version, 'samples/LIDAR_TOP', 'sweeps/LIDAR_TOP', `lidarseg/${version}`, 'samples/CAM_FRONT']) mkdirSync(path.join(root, d), { recursive: true });
  const logToken = token();
  const calib = token();
  const camCalib = token();
  const sensorLidar = token();
  const sensorCam = token();
  const sceneRows: object[] = [];
  const sampleRows: object[] = [];
  const sdRows: object[] = [];
  const poseRows: object[] = [];
  const segRows: object[] = [];
  const sampleTokens = new Map<number, string>();
  const m0 = meta[0]!;
  const pose = (t: number, f: SampleFrameMeta) => {
    const tk = token();
    poseRows.push({ token: tk, timestamp: t, rotation: f.ego2global_rotation_wxyz, translation: f.ego2global_translation });
    return tk;
  };
  for (const [name, frames] of Object.entries(scenes)) {
    const sceneToken = token();
    const tokens = frames.map(() => token());
    frames.forEach((n, k) => sampleTokens.set(n, tokens[k]!));
    let sdPrev = '';
    for (let k = 0; k < frames.length; k++) {
      const n = frames[k]!;
      const f = meta[n]!;
      const cloud = await readPointCloud(path.join(sample, 'pc', `pc${n}.npy`));
      const labels = await readPointLabels(path.join(sample, 'pc_seman', `pc_seman_${n}.npy`), cloud.count);
      const stem = `n015-2018-07-18-11-07-57+0800__LIDAR_TOP__${f.timestamp_us}`;
      const file = `samples/LIDAR_TOP/${stem}.pcd.bin`;
      writeFileSync(path.join(root, file), pcdBin(cloud.points, cloud.count));
      const sd = token();
      sdRows.push({
        token: sd, sample_token: tokens[k], ego_pose_token: pose(f.timestamp_us, f), calibrated_sensor_token: calib,
        timestamp: f.timestamp_us, fileformat: 'pcd', is_key_frame: true, height: 0, width: 0, filename: file, prev: sdPrev, next: '',
      });
      // A camera image's row, which the reader must skip.
      sdRows.push({
        token: token(), sample_token: tokens[k], ego_pose_token: pose(f.timestamp_us + 12, f), calibrated_sensor_token: camCalib,
        timestamp: f.timestamp_us + 12, fileformat: 'jpg', is_key_frame: true, height: 900, width: 1600,
        filename: `samples/CAM_FRONT/${stem}.jpg`, prev: '', next: '',
      });
      const raw = Uint8Array.from(labels, (c) => rawIdOf(c));
      // A second raw class that merges into challenge 0, so the 32-class view differs from the merged one.
      for (let p = 0; p < raw.length; p += 7) if (labels[p] === 0) raw[p] = 29; // static.other, also challenge 0
      const seg = `lidarseg/${version}/${sd}_lidarseg.bin`;
      writeFileSync(path.join(root, seg), raw);
      segRows.push({ token: sd, sample_data_token: sd, filename: seg });
      sdPrev = sd;
      sampleRows.push({ token: tokens[k], timestamp: f.timestamp_us, prev: k ? tokens[k - 1] : '', next: tokens[k + 1] ?? '', scene_token: sceneToken });
      if (k === 1) {
        // One sweep between keyframes 0 and 1 of the scene, attached to sample k.
        const t = meta[frames[0]!]!.timestamp_us + 250_000;
        const sweepFile = `sweeps/LIDAR_TOP/n015-2018-07-18-11-07-57+0800__LIDAR_TOP__${t}.pcd.bin`;
        const c0 = await readPointCloud(path.join(sample, 'pc', `pc${frames[0]}.npy`));
        writeFileSync(path.join(root, sweepFile), pcdBin(c0.points, c0.count, 1));
        sdRows.push({
          token: token(), sample_token: tokens[k], ego_pose_token: pose(t, meta[frames[0]!]!), calibrated_sensor_token: calib,
          timestamp: t, fileformat: 'pcd', is_key_frame: false, height: 0, width: 0, filename: sweepFile, prev: '', next: '',
        });
      }
    }
    sceneRows.push({
      token: sceneToken, log_token: logToken, nbr_samples: frames.length, first_sample_token: tokens[0],
      last_sample_token: tokens[tokens.length - 1], name, description: 'test scene built from the nuScenes-lidarseg sample',
    });
  }
  const write = (name: string, rows: object[]) => writeFileSync(path.join(root, version, name), JSON.stringify(rows, null, 1));
  // Reversed: tables are not in time order.
  write('scene.json', sceneRows);
  write('sample.json', sampleRows.reverse());
  write('sample_data.json', sdRows.reverse());
  write('ego_pose.json', poseRows.reverse());
  write('lidarseg.json', segRows);
  write('calibrated_sensor.json', [
    { token: camCalib, sensor_token: sensorCam, translation: [1.7, 0, 1.5], rotation: [0.5, -0.5, 0.5, -0.5], camera_intrinsic: [[1266, 0, 816], [0, 1266, 491], [0, 0, 1]] },
    { token: calib, sensor_token: sensorLidar, translation: m0.lidar2ego_translation, rotation: m0.lidar2ego_rotation_wxyz, camera_intrinsic: [] },
  ]);
  write('sensor.json', [
    { token: sensorLidar, channel: 'LIDAR_TOP', modality: 'lidar' },
    { token: sensorCam, channel: 'CAM_FRONT', modality: 'camera' },
  ]);
  // category.json numbers the lidarseg classes (`index`), as the v1.0 release does.
  write('category.json', LIDARSEG_CLASSES.map((c) => ({ token: token(), name: c.name, description: '', index: c.id })));
  write('log.json', [{ token: logToken, logfile: 'n015-2018-07-18-11-07-57+0800', vehicle: 'n015', date_captured: '2018-07-18', location: 'singapore-onenorth' }]);
  return { root, meta, scenes, sweepsPerScene: 1, sampleTokens };
}
