/**
 * The unit every layer above `data/` works with: one BEV frame as a float32 `[C, H, W]` tensor
 * with named channels. Class frames are one-hot over `numClasses`, repeated for each of `groups`
 * height levels (channel = group * numClasses + class), so a top-down semantic map is the case
 * `groups = 1` and OccWorld's height-folded occupancy is `groups = 16`; the tokenizer's decoder
 * then predicts class logits per group and trains with a per-cell cross-entropy.
 */
import type { DatasetSourceInfo } from './dataset-index';

/** One semantic class as shown to the user. */
export interface ClassInfo {
  id: number;
  name: string;
  /** sRGB colour, 0..255 each. */
  rgb: [number, number, number];
}

export type FrameEncoding =
  | { kind: 'continuous' }
  | {
      kind: 'classes';
      numClasses: number;
      /** Height levels folded into channels; 1 for a top-down map. */
      groups: number;
      palette: ClassInfo[];
      /** The "free / empty" class, excluded from mIoU as Occ3D does. */
      freeClass?: number;
    };

export interface VoxelMasks {
  lidar?: Uint8Array;
  camera?: Uint8Array;
}

/** Ego pose in a global frame: translation in metres, rotation as a quaternion w, x, y, z. */
export interface EgoPose {
  translation: [number, number, number];
  rotationWxyz: [number, number, number, number];
}

export interface BevFrame {
  /** Row-major `[C, H, W]`. */
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
  channelNames: string[];
  encoding: FrameEncoding;
  /** Position of the frame in its sequence. */
  index: number;
  timestampUs?: number;
  egoPose?: EgoPose;
  /**
   * Occ3D's visibility masks in the layout of the frame's height groups, `[Z, H, W]` (1 = observed),
   * for metrics that ignore unobserved voxels as the benchmark does.
   */
  voxelMasks?: VoxelMasks;
  /** Free-form facts about where the frame came from (file, point layout, points out of range…). */
  meta: Record<string, unknown>;
  /** Lidar with labels: the most frequent class of each cell, shown beside the channels. */
  semantic?: SemanticMap;
  /** `[H, W]` 1 where no point fell (lidar), so views draw "nothing seen" apart from low values. */
  emptyCells?: Uint8Array;
}

/** A per-cell class map that is a view, not a tokenizer input (lidar-semantic.ts). */
export interface SemanticMap {
  /** `[H, W]` class ids, `emptyValue` where no labelled point fell. */
  labels: Uint8Array;
  classes: ClassInfo[];
  /** What the ids are, e.g. "nuScenes-lidarseg (32 classes)". */
  name: string;
  emptyValue: number;
}

export type SourceKind = 'procedural' | 'npy' | 'occ3d' | 'lidar' | 'folder';

/** What describes a sequence besides its frames (readers fill it; lazy sequences are built from it). */
export interface SequenceHeader {
  name: string;
  length: number;
  channels: number;
  height: number;
  width: number;
  channelNames: string[];
  encoding: FrameEncoding;
  timestampsUs?: number[];
  /** Shown wherever the data is shown (nuScenes' licence asks for it). */
  attribution?: string;
  /** What the reader found the source to be (set by openPath and the readers). */
  kind?: SourceKind;
  /** The file or folder it was read from. */
  sourcePath?: string;
  /** Ego poses per frame, when the source has them. */
  egoPoses?: EgoPose[];
  /** Things a user should know about the source (mixed sweep formats, …), shown in the UI and CLI. */
  warnings?: string[];
  /** The dataset and scene the sequence is, when it is one scene of a dataset (Occ3D, nuScenes). */
  dataset?: DatasetSourceInfo;
}

/** An ordered list of frames that loads lazily. */
export interface FrameSequence extends SequenceHeader {
  getFrame(index: number): Promise<BevFrame>;
  /**
   * Optional fast path for whole-sequence encoding: the data of frames [start, start + count),
   * exactly what `getFrame(t).data` would hold, written back to back into `dst` (which must hold
   * `count × channels × height × width` values), without a per-frame array, a copy or the frame
   * cache. Same errors as `getFrame` (a NaN names `file[t]` and its position; a short file names
   * the file). Offered only where it is cheaper than `getFrame` (a lazily read float .npy: one
   * positioned read straight into `dst`'s bytes). A wrapper that changes what `getFrame` returns
   * must not pass this method on unchanged.
   */
  readFramesInto?(start: number, count: number, dst: Float32Array): Promise<void>;
}
