/**
 * The class ids of nuScenes-lidarseg (0..16) plus Occ3D's 17 = free, used by every class frame
 * in the app (real data and the procedural scene alike), with the colours the Occ3D / OccWorld
 * visualisations use so that pictures look like the ones in those papers.
 */
import type { ClassInfo, FrameEncoding } from './frame';

export const NUSCENES_CLASSES: readonly ClassInfo[] = [
  { id: 0, name: 'others', rgb: [0, 0, 0] },
  { id: 1, name: 'barrier', rgb: [255, 120, 50] },
  { id: 2, name: 'bicycle', rgb: [255, 192, 203] },
  { id: 3, name: 'bus', rgb: [255, 255, 0] },
  { id: 4, name: 'car', rgb: [0, 150, 245] },
  { id: 5, name: 'construction_vehicle', rgb: [0, 255, 255] },
  { id: 6, name: 'motorcycle', rgb: [200, 180, 0] },
  { id: 7, name: 'pedestrian', rgb: [255, 0, 0] },
  { id: 8, name: 'traffic_cone', rgb: [255, 240, 150] },
  { id: 9, name: 'trailer', rgb: [135, 60, 0] },
  { id: 10, name: 'truck', rgb: [160, 32, 240] },
  { id: 11, name: 'driveable_surface', rgb: [255, 0, 255] },
  { id: 12, name: 'other_flat', rgb: [139, 137, 137] },
  { id: 13, name: 'sidewalk', rgb: [75, 0, 75] },
  { id: 14, name: 'terrain', rgb: [150, 240, 80] },
  { id: 15, name: 'manmade', rgb: [230, 230, 250] },
  { id: 16, name: 'vegetation', rgb: [0, 175, 0] },
  // Free space is the background of every picture: a dark neutral that the classes stand out on.
  { id: 17, name: 'free', rgb: [24, 24, 28] },
];

/** Ids by name, so code reads `CLS.car` rather than a bare 4. */
export const CLS = {
  others: 0,
  barrier: 1,
  bicycle: 2,
  bus: 3,
  car: 4,
  constructionVehicle: 5,
  motorcycle: 6,
  pedestrian: 7,
  trafficCone: 8,
  trailer: 9,
  truck: 10,
  driveableSurface: 11,
  otherFlat: 12,
  sidewalk: 13,
  terrain: 14,
  manmade: 15,
  vegetation: 16,
  free: 17,
} as const;

export const NUM_CLASSES = NUSCENES_CLASSES.length;
export const FREE_CLASS = CLS.free;

/** The encoding of a class frame with `groups` height levels folded into channels. */
export function classEncoding(groups = 1): FrameEncoding {
  return { kind: 'classes', numClasses: NUM_CLASSES, groups, palette: NUSCENES_CLASSES.map((c) => ({ ...c, rgb: [...c.rgb] })), freeClass: FREE_CLASS };
}

/** Channel names of a class frame: `car`, or `z3/car` when height is folded into channels. */
export function classChannelNames(groups = 1): string[] {
  const names: string[] = [];
  for (let g = 0; g < groups; g++) {
    for (const c of NUSCENES_CLASSES) names.push(groups === 1 ? c.name : `z${g}/${c.name}`);
  }
  return names;
}

/** Shown wherever the real samples are shown (their licence asks for it). */
export const NUSCENES_ATTRIBUTION =
  'nuScenes (Motional), CC BY-NC-SA 4.0; Occ3D-nuScenes labels by the Occ3D authors. For tests and demos only.';
