/**
 * A dataset as its team keeps it: scenes (named, with a split) whose frames are ordered by time.
 * Occ3D-nuScenes (annotations.json) and nuScenes (v1.0-* tables) both describe themselves in this
 * shape, so the scene picker, `tokenscope data`, `--scene` and whole-dataset export work on either.
 */
import type { EgoPose } from './frame';
import type { LidarsegNumbering } from './nuscenes/lidarseg-classes';

export interface DatasetFrameRef {
  /** Position in the scene, in time order (or in listing order when `ordered` is false). */
  index: number;
  /** The dataset's own id of the frame (nuScenes/Occ3D sample token, or sample_data token). */
  token: string;
  /** Microseconds, as nuScenes stores them; absent when the dataset does not say. */
  timestampUs?: number;
  /** The file holding the frame (inside the dataset root). */
  path: string;
  egoPose?: EgoPose;
  /** nuScenes: the sensor's mounting on the car (calibrated_sensor), sensor → ego. */
  sensorToEgo?: EgoPose;
  /** nuScenes-lidarseg: the frame's per-point label file (inside the dataset root), when present. */
  labelsPath?: string;
  /** nuScenes: a keyframe (sample) rather than a sweep between samples. */
  keyFrame?: boolean;
}

export interface DatasetScene {
  name: string;
  /** 'train' | 'val' | 'test' | … as the dataset names its splits; undefined when it has none. */
  split?: string;
  frames: DatasetFrameRef[];
  /** False when nothing gives the frames' time order (then they are in listing order, said so). */
  ordered: boolean;
  /** nuScenes: every lidar sweep of the scene (keyframes included), in time order; tokens are sample_data tokens. */
  sweeps?: DatasetFrameRef[];
}

export interface DatasetIndex {
  kind: 'occ3d' | 'nuscenes';
  /** The folder the dataset was opened from (its root). */
  root: string;
  scenes: DatasetScene[];
  /** Things a user should know (unknown order, mixed sweep formats, …), shown in the UI and CLI. */
  warnings: string[];
  /** nuScenes-lidarseg: the point classes as the dataset's category.json numbers them, when it does. */
  pointClasses?: LidarsegNumbering;
}

/** What an open sequence says about the dataset it is a scene of (the scene picker shows it). */
export interface DatasetSourceInfo {
  kind: DatasetIndex['kind'];
  root: string;
  scene: string;
  split?: string;
  ordered: boolean;
  /**
   * The frames' dataset tokens, in sequence order; absent for a whole split (tens of thousands of
   * frames would ride along with every status event: its scenes name the frames instead).
   */
  tokens?: string[];
  warnings: string[];
  /**
   * Set when the sequence is a whole split (for training on many scenes): its scenes in order and
   * the index of each one's first frame (frames of one scene are consecutive, scenes are not).
   */
  scenes?: string[];
  sceneStarts?: number[];
  /** Set when every frame is resampled into the ego frame of this frame (ego motion removed). */
  alignedTo?: number;
}
