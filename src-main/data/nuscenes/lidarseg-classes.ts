/**
 * nuScenes-lidarseg's 32 classes as its `.bin` label files number them (category.json's
 * `index`), the devkit's colours for them (nuscenes/utils/color_map.py), and the merge to the
 * 16 classes of the lidarseg challenge (plus 0 = ignored) that Occ3D and this app's class
 * channels use (nuscenes/eval/lidarseg's challenge adaptor).
 */
import type { ClassInfo } from '../frame';

type Row = [name: string, rgb: [number, number, number], challengeId: number];

// Challenge ids: 0 others/ignored, 1 barrier, 2 bicycle, 3 bus, 4 car, 5 construction_vehicle,
// 6 motorcycle, 7 pedestrian, 8 traffic_cone, 9 trailer, 10 truck, 11 driveable_surface,
// 12 other_flat, 13 sidewalk, 14 terrain, 15 manmade, 16 vegetation (palette.ts).
const ROWS: Row[] = [
  ['noise', [0, 0, 0], 0],
  ['animal', [70, 130, 180], 0],
  ['human.pedestrian.adult', [0, 0, 230], 7],
  ['human.pedestrian.child', [135, 206, 235], 7],
  ['human.pedestrian.construction_worker', [100, 149, 237], 7],
  ['human.pedestrian.personal_mobility', [219, 112, 147], 0],
  ['human.pedestrian.police_officer', [0, 0, 128], 7],
  ['human.pedestrian.stroller', [240, 128, 128], 0],
  ['human.pedestrian.wheelchair', [138, 43, 226], 0],
  ['movable_object.barrier', [112, 128, 144], 1],
  ['movable_object.debris', [210, 105, 30], 0],
  ['movable_object.pushable_pullable', [105, 105, 105], 0],
  ['movable_object.trafficcone', [47, 79, 79], 8],
  ['static_object.bicycle_rack', [188, 143, 143], 0],
  ['vehicle.bicycle', [220, 20, 60], 2],
  ['vehicle.bus.bendy', [255, 127, 80], 3],
  ['vehicle.bus.rigid', [255, 69, 0], 3],
  ['vehicle.car', [255, 158, 0], 4],
  ['vehicle.construction', [233, 150, 70], 5],
  ['vehicle.emergency.ambulance', [255, 83, 0], 0],
  ['vehicle.emergency.police', [255, 215, 0], 0],
  ['vehicle.motorcycle', [255, 61, 99], 6],
  ['vehicle.trailer', [255, 140, 0], 9],
  ['vehicle.truck', [255, 99, 71], 10],
  ['flat.driveable_surface', [0, 207, 191], 11],
  ['flat.other', [175, 0, 75], 12],
  ['flat.sidewalk', [75, 0, 75], 13],
  ['flat.terrain', [112, 180, 60], 14],
  ['static.manmade', [222, 184, 135], 15],
  ['static.other', [255, 228, 196], 0],
  ['static.vegetation', [0, 175, 0], 16],
  ['vehicle.ego', [255, 240, 245], 0],
];

export const LIDARSEG_CLASSES: readonly ClassInfo[] = ROWS.map(([name, rgb], id) => ({ id, name, rgb }));

/** Raw lidarseg id → challenge id (0..16). */
export const LIDARSEG_TO_CHALLENGE: Uint8Array = Uint8Array.from(ROWS, (r) => r[2]);

/** Raw labels merged to the challenge's 16 classes (0 = ignored), as the class channels need. */
export function toChallengeLabels(raw: Uint8Array, merge: Uint8Array = LIDARSEG_TO_CHALLENGE): Uint8Array {
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = merge[raw[i]!] ?? 0;
  return out;
}

/** The label numbering a dataset declares: category.json's `index` per class name, as the devkit reads it. */
export interface LidarsegNumbering {
  classes: ClassInfo[];
  /** Label id → challenge id. */
  merge: Uint8Array;
  /** Names the devkit has no colour for (drawn grey, merged to 0). */
  unknown: string[];
}

/** Classes (devkit colours by name) and challenge merge for a category.json's `index` → name. */
export function numberingOf(byIndex: Map<number, string>): LidarsegNumbering {
  const known = new Map(ROWS.map(([name, rgb, challenge]) => [name, { rgb, challenge }]));
  const max = Math.max(-1, ...byIndex.keys());
  const classes: ClassInfo[] = [];
  const merge = new Uint8Array(max + 1);
  const unknown: string[] = [];
  for (let id = 0; id <= max; id++) {
    const name = byIndex.get(id) ?? `class ${id}`;
    const row = known.get(name);
    if (!row) unknown.push(name);
    classes.push({ id, name, rgb: row ? [...row.rgb] : [128, 128, 128] });
    merge[id] = row?.challenge ?? 0;
  }
  return { classes, merge, unknown };
}

export const NUSCENES_LIDARSEG_ATTRIBUTION = 'nuScenes and nuScenes-lidarseg (Motional), CC BY-NC-SA 4.0. For tests and demos only.';
