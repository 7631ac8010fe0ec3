/**
 * What File › Open calls: look at a file or folder, decide what it holds, and return it as a
 * lazily loaded FrameSequence (with `kind` and `sourcePath` set). Recognised:
 * - the nuScenes-style lidar sample folder (meta.json + pc/ [+ pc_seman/]);
 * - Occ3D: a labels.npz, a frame folder holding one; a dataset (root, gts/ or one scene folder:
 *   see occ3d-dataset.ts) opens its first scene or `scene`;
 * - a folder of frame files (.npy frames, or .npy / .bin / .pcd.bin sweeps), natural order;
 * - a single .npy: a point cloud, one frame, or a [T, …] sequence (see array-sequence.ts);
 * - a .bin / .pcd.bin sweep; an .npz with one array.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { frameFromArray, sequenceFromArray, type ArrayFrameOptions } from './array-sequence';
import { alignSequence } from './bev-align';
import { DataError } from './errors';
import { listFolder } from './list-folder';
import type { FrameSequence } from './frame';
import { parseNpy, readNpy, formatShape, type NpyArray } from './npy';
import { listNpzMembers, parseNpz } from './npz';
import { openNpySequence, preferLazy, readNpyHeader } from './npy-lazy-sequence';
import { isNuScenesRoot } from './nuscenes/dataset-root';
import { openNuScenesRoot } from './nuscenes/open-root';
import { findDataset } from './dataset-listing';
import { datasetSourceInfo, openDatasetScene, openDatasetSplit, pickScene } from './dataset-scene';
import { isLidarSampleFolder, listPointFiles, openLidarFiles, openLidarSample, type LidarSequenceOptions } from './lidar-sequence';
import { openOccupancyFiles, type OccupancySequenceOptions } from './occupancy-sequence';
import { notRegular, readBytes, statPath } from './read-bytes';
import { lazySequence, naturalCompare, type CacheOptions } from './sequence';

export interface OpenOptions extends CacheOptions {
  /** Occupancy → BEV: height-folded one-hot (default) or top-down map; mask and unobserved handling. */
  occupancy?: Pick<OccupancySequenceOptions, 'mode' | 'mask' | 'unobserved'>;
  /** Lidar rasterization: grid, z range, channels, labels, layout. */
  lidar?: Omit<LidarSequenceOptions, 'alignTo' | keyof CacheOptions>;
  /** Express every frame in the ego frame of this frame (needs poses). */
  alignTo?: number;
  /** A dataset's scene to open (default: its first); only for datasets (Occ3D root, gts/, a scene; a nuScenes root). */
  scene?: string;
  /** Instead of one scene, every scene of this split, one after another (training on many scenes; Occ3D). */
  split?: string;
  /** nuScenes: play every lidar sweep, not only the keyframes. */
  sweeps?: boolean;
}

const FRAME_FILE = /\.(npy|npz|bin)$/i;

export async function openPath(p: string, opts: OpenOptions = {}): Promise<FrameSequence> {
  const stat = await statPath(p, 'no such file or folder');
  const cache: CacheOptions = { cacheFrames: opts.cacheFrames, cacheBytes: opts.cacheBytes };
  if (stat.isDirectory()) {
    const dataset = await findDataset(p);
    if (dataset?.kind === 'nuscenes') {
      if (opts.split !== undefined) throw new DataError(p, 'a nuScenes root opens one scene at a time (--scene); whole splits are for Occ3D-nuScenes');
      // Its own reader: calibrated sweeps, keyframes or every sweep, lidarseg labels.
      const { mounting: _calibrated, ...lidar } = opts.lidar ?? {};
      const name = opts.scene ?? dataset.scenes.find((s) => s.frames.length > 0)?.name;
      const seq = await openNuScenesRoot(p, { ...lidar, ...cache, alignTo: opts.alignTo, scene: name, sweeps: opts.sweeps });
      const scene = dataset.scenes.find((s) => s.name === name);
      if (scene) seq.dataset = datasetSourceInfo(dataset, scene);
      return seq;
    }
    if (dataset) {
      const sceneOpts = { occupancy: opts.occupancy, ...(opts.alignTo === undefined ? cache : { cacheFrames: 2 }) };
      if (opts.split !== undefined) {
        if (opts.scene !== undefined || opts.alignTo !== undefined) throw new DataError(p, 'a whole split opens without a scene or alignTo (its scenes have no common ego frame)');
        return openDatasetSplit(dataset, opts.split, sceneOpts);
      }
      const seq = await openDatasetScene(dataset, pickScene(dataset, opts.scene), sceneOpts);
      if (opts.alignTo === undefined) return seq;
      const aligned = alignSequence(seq, opts.alignTo, cache);
      aligned.dataset = { ...seq.dataset!, alignedTo: opts.alignTo };
      return aligned;
    }
  }
  if (opts.scene !== undefined || opts.split !== undefined) throw new DataError(p, `is not a dataset with scenes (an Occ3D root, its gts/ or a scene folder), so it has no scene or split ${JSON.stringify(opts.scene ?? opts.split)}`);
  if (stat.isDirectory()) return openFolder(p, opts, cache);
  const why = notRegular(stat);
  if (why) throw new DataError(p, why);
  if (opts.alignTo === undefined) return openFile(p, opts, cache);
  // The aligned sequence caches the frames people look at; the raw ones need not stay too.
  return alignSequence(await openFile(p, opts, { cacheFrames: 2 }), opts.alignTo, cache);
}

async function openFolder(dir: string, opts: OpenOptions, outerCache: CacheOptions): Promise<FrameSequence> {
  // Lidar (nuScenes roots, the sample) aligns its points while rasterizing; everything else is resampled afterwards.
  if (await isNuScenesRoot(dir)) {
    // A root's sweeps carry their own calibration: a mounting is for sweeps without one.
    const { mounting: _calibrated, ...lidar } = opts.lidar ?? {};
    return openNuScenesRoot(dir, { ...lidar, ...outerCache, alignTo: opts.alignTo, scene: opts.scene, sweeps: opts.sweeps });
  }
  if (await isLidarSampleFolder(dir)) return openLidarSample(dir, { ...opts.lidar, ...outerCache, alignTo: opts.alignTo });
  const cache = opts.alignTo === undefined ? outerCache : { cacheFrames: 2 };
  const entries = (await listFolder(dir)).filter((e) => !e.name.startsWith('.'));
  let seq: FrameSequence | undefined;
  const occHere = entries.find((e) => e.isFile() && e.name === 'labels.npz');
  if (occHere) seq = await openOccupancyFiles([path.join(dir, 'labels.npz')], { ...opts.occupancy, ...cache });
  if (!seq) {
    const files = entries
      .filter((e) => e.isFile() && FRAME_FILE.test(e.name))
      .map((e) => e.name)
      .sort(naturalCompare)
      .map((n) => path.join(dir, n));
    if (files.length === 0) {
      throw new DataError(dir, 'no frame files in the folder: expected .npy, .npz, .bin or .pcd.bin files, Occ3D frame folders or a lidar sample (meta.json + pc/)');
    }
    seq = (await looksLikePoints(files[0]!))
      ? await openLidarFiles(await listPointFiles(dir), dir, { ...opts.lidar, ...cache })
      : await openFrameFiles(files, dir, cache);
    seq.kind = 'folder';
  }
  if (opts.alignTo !== undefined) return alignSequence(seq, opts.alignTo, outerCache);
  return seq;
}

async function openFile(file: string, opts: OpenOptions, cache: CacheOptions): Promise<FrameSequence> {
  const lower = file.toLowerCase();
  const arrayOpts: ArrayFrameOptions = { mode: opts.occupancy?.mode };
  if (lower.endsWith('.bin')) return openLidarFiles([file], file, { ...opts.lidar, ...cache });
  if (lower.endsWith('.npz')) {
    const bytes = await readBytes(file);
    const members = listNpzMembers(bytes, file);
    if (members.includes('semantics')) return openOccupancyFiles([file], { ...opts.occupancy, ...cache });
    if (members.length !== 1) {
      throw new DataError(file, `holds ${members.length} arrays (${members.join(', ') || 'none'}) and no 'semantics': open one .npy, or an Occ3D labels.npz`);
    }
    const a = Object.values(parseNpz(bytes, file))[0]!;
    return arraySource(a, file, arrayOpts, opts, cache);
  }
  if (lower.endsWith('.npy')) {
    // A large C-order [T, …] sequence is read frame by frame (npy-lazy-sequence.ts); the rest whole.
    const header = await readNpyHeader(file);
    if (isSequenceArray(header) && preferLazy(header)) return openNpySequence(file, { ...arrayOpts, ...cache, header });
    return arraySource(await readNpy(file), file, arrayOpts, opts, cache);
  }
  throw new DataError(file, 'unknown file type: expected .npy, .npz, .bin, .pcd.bin or a folder');
}

/** One .npy: a point cloud, a single frame, or a [T, …] sequence. */
async function arraySource(a: NpyArray, file: string, arrayOpts: ArrayFrameOptions, opts: OpenOptions, cache: CacheOptions): Promise<FrameSequence> {
  if (isPointArray(a)) return openLidarFiles([file], file, { ...opts.lidar, ...cache });
  if (isIntegerPointTable(a)) {
    throw new DataError(
      file,
      `shape ${formatShape(a.shape)} ${a.dtype}: read as neither a class map nor points. A map ${a.shape[1]} cells wide is implausible, ` +
        `so this looks like per-point rows (integer points, or pc_seman-style labels whose last column is the class); ` +
        `points must be float32/float64 [N, 3|4|5] (x, y, z[, intensity[, ring]]), and labels belong beside their sweep in a lidar sample folder`,
    );
  }
  const rank = a.shape.length;
  if (isSequenceArray(a)) return sequenceFromArray(a, file, { ...arrayOpts, ...cache });
  if (rank < 2 || rank > 4) {
    throw new DataError(file, `shape ${formatShape(a.shape)} ${a.dtype} is neither a frame, a sequence nor a point cloud`);
  }
  const frame = frameFromArray(a, file, arrayOpts, 0);
  return lazySequence({
    name: path.basename(file),
    length: 1,
    channels: frame.channels,
    height: frame.height,
    width: frame.width,
    channelNames: frame.channelNames,
    encoding: frame.encoding,
    kind: 'npy',
    sourcePath: file,
    ...cache,
    load: async () => frame,
  });
}

/** `[N, 3|4|5]` floats with many more rows than columns (or none): a sweep, not an image. */
function isPointArray(a: NpyArray): boolean {
  return a.shape.length === 2 && a.shape[1]! >= 3 && a.shape[1]! <= 5 && (a.shape[0]! > 16 || a.shape[0] === 0) && a.dtype.startsWith('float');
}

/** Integer `[N, 3|4|5]` with many rows: a table of points or labels, not a 3-to-5-cell-wide image. */
function isIntegerPointTable(a: NpyArray): boolean {
  return a.shape.length === 2 && a.shape[1]! >= 3 && a.shape[1]! <= 5 && a.shape[0]! > 16 && (a.dtype === 'bool' || a.dtype.includes('int'));
}

/** Float [T, C, H, W] and integer [T, H, W] / [T, X, Y, Z] are sequences; the rest single frames. */
function isSequenceArray(a: Pick<NpyArray, 'shape' | 'dtype'>): boolean {
  const integer = a.dtype === 'bool' || a.dtype.includes('int');
  const rank = a.shape.length;
  return rank === 4 || (integer && rank === 3 && !looksLikeOccupancy(a));
}

/** An integer `[X, Y, Z]` with a short last axis is an occupancy grid, not `[T, H, W]` maps. */
function looksLikeOccupancy(a: Pick<NpyArray, 'shape'>): boolean {
  const [x, y, z] = a.shape as [number, number, number];
  return z <= 32 && x >= 4 * z && y >= 4 * z;
}

async function looksLikePoints(file: string): Promise<boolean> {
  const lower = file.toLowerCase();
  if (lower.endsWith('.bin')) return true;
  if (!lower.endsWith('.npy')) return false;
  const a = parseNpy(await readBytes(file), file);
  return isPointArray(a);
}

/** A folder of single-frame files (.npy / one-array .npz / Occ3D labels.npz), one frame each. */
async function openFrameFiles(files: string[], dir: string, cache: CacheOptions): Promise<FrameSequence> {
  const load = async (i: number) => {
    const f = files[i]!;
    if (f.toLowerCase().endsWith('.npz')) {
      const seq = await openFile(f, {}, { cacheFrames: 0 });
      if (seq.length !== 1) throw new DataError(f, `holds ${seq.length} frames; a folder of frames needs one frame per file`);
      return seq.getFrame(0);
    }
    const a = await readNpy(f);
    return frameFromArray(a, f, {}, i);
  };
  const first = await load(0);
  return lazySequence({
    name: path.basename(path.resolve(dir)),
    length: files.length,
    channels: first.channels,
    height: first.height,
    width: first.width,
    channelNames: first.channelNames,
    encoding: first.encoding,
    kind: 'folder',
    sourcePath: dir,
    ...cache,
    describe: (i) => files[i]!,
    load: (i) => (i === 0 ? Promise.resolve(first) : load(i)),
  });
}
