/**
 * Tests and benchmarks only: builds an Occ3D-nuScenes tree in the real layout
 * (`annotations.json` + `gts/<scene>/<token>/labels.npz`) from the real sample frame, each frame
 * shifted along x by its time index so frames differ, with random-hash sample tokens (so name
 * order is not time order), scenes written in an order that is not name order, and timestamps
 * that disagree with name order too, and ego poses that agree with the shifts (a static world).
 * Returns what the tree should read back as.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { encodeNpy } from './npy';
import { readNpz } from './npz';
import type { EgoPose } from './frame';
import { Rng } from '../util/rng';

export interface TreeSceneSpec {
  name: string;
  split?: string;
  frames: number;
}

export interface TreeFrame {
  token: string;
  timestampUs: number;
  /** Voxels the sample was rolled by along x (the frame's time index, modulo `distinct`, × `step`). */
  shift: number;
  egoPose: EgoPose;
  file: string;
}

export interface TreeScene {
  name: string;
  split?: string;
  /** In time order. */
  frames: TreeFrame[];
}

export interface TreeOptions {
  seed?: number;
  /** Write annotations.json (default true). */
  annotations?: boolean;
  /** Different frame contents, reused beyond (keeps a 2,000-frame tree fast to write). */
  distinct?: number;
  /** Voxels of roll per frame (default 1; 4 moves one token cell of a 4× tokenizer). */
  step?: number;
}

const SHAPE = [200, 200, 16] as const;

export async function buildOcc3dTree(root: string, sample: string, scenes: TreeSceneSpec[], opts: TreeOptions = {}): Promise<TreeScene[]> {
  const rng = new Rng(opts.seed ?? 1);
  const arrays = await readNpz(sample);
  const sem = arrays.semantics!.data as Uint8Array;
  const lidar = arrays.mask_lidar!.data as Uint8Array;
  const camera = arrays.mask_camera!.data as Uint8Array;
  const distinct = opts.distinct ?? Number.POSITIVE_INFINITY;
  const contents = new Map<number, Uint8Array>();
  const contentOf = (shift: number): Uint8Array => {
    let z = contents.get(shift);
    if (!z) {
      z = zipSync(
        {
          'semantics.npy': encodeNpy(rollX(sem, shift), [...SHAPE]),
          'mask_lidar.npy': encodeNpy(rollX(lidar, shift), [...SHAPE]),
          'mask_camera.npy': encodeNpy(rollX(camera, shift), [...SHAPE]),
        },
        { level: 1 },
      );
      contents.set(shift, z);
    }
    return z;
  };
  const out: TreeScene[] = [];
  let base = 1_531_883_530_000_000;
  for (const spec of scenes) {
    const tokens = Array.from({ length: spec.frames }, () => hexToken(rng));
    // Time order must not be name order: were the random tokens sorted already, reverse them.
    if (spec.frames > 1 && tokens.every((t, i) => i === 0 || tokens[i - 1]! < t)) tokens.reverse();
    const frames: TreeFrame[] = tokens.map((token, i) => {
      const shift = (Number.isFinite(distinct) ? i % distinct : i) * (opts.step ?? 1);
      // A static world: content rolled +shift voxels along x is the ego car backing 0.4 m per voxel.
      return {
        token,
        timestampUs: base + i * 500_000 + rng.int(1000),
        shift,
        egoPose: { translation: [600 - 0.4 * shift, 1600, 0], rotationWxyz: [1, 0, 0, 0] },
        file: path.join(root, 'gts', spec.name, token, 'labels.npz'),
      };
    });
    base += 3_600_000_000;
    for (const f of frames) {
      await fs.mkdir(path.dirname(f.file), { recursive: true });
      await fs.writeFile(f.file, contentOf(f.shift));
    }
    const scene: TreeScene = { name: spec.name, frames };
    if (spec.split !== undefined) scene.split = spec.split;
    out.push(scene);
  }
  if (opts.annotations ?? true) await writeAnnotations(root, out);
  return out;
}

/** annotations.json in Occ3D's schema; frames listed in reverse time order so file order is no hint. */
async function writeAnnotations(root: string, scenes: TreeScene[]): Promise<void> {
  const splitList = (s: string) => scenes.filter((x) => x.split === s).map((x) => x.name);
  const sceneInfos: Record<string, Record<string, unknown>> = {};
  for (const s of scenes) {
    const infos: Record<string, unknown> = {};
    const frames = s.frames;
    for (let i = frames.length - 1; i >= 0; i--) {
      const f = frames[i]!;
      infos[f.token] = {
        timestamp: String(f.timestampUs),
        ego_pose: { translation: f.egoPose.translation, rotation: f.egoPose.rotationWxyz },
        gt_path: `gts/${s.name}/${f.token}/labels.npz`,
        prev: frames[i - 1]?.token ?? '',
        next: frames[i + 1]?.token ?? '',
        camera_sensor: {},
      };
    }
    sceneInfos[s.name] = infos;
  }
  const json = { train_split: splitList('train'), val_split: splitList('val'), scene_infos: sceneInfos };
  await fs.writeFile(path.join(root, 'annotations.json'), JSON.stringify(json));
}

/** `[X, Y, Z]` rolled by `shift` along x (numpy's np.roll(a, shift, axis=0)). */
export function rollX(a: Uint8Array, shift: number): Uint8Array {
  const [X, Y, Z] = SHAPE;
  const plane = Y * Z;
  const out = new Uint8Array(a.length);
  for (let x = 0; x < X; x++) {
    const to = (((x + shift) % X) + X) % X;
    out.set(a.subarray(x * plane, (x + 1) * plane), to * plane);
  }
  return out;
}

function hexToken(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += rng.int(16).toString(16);
  return s;
}
