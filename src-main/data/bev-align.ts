/**
 * Ego-motion alignment of a finished BEV frame: resample it into the ego frame of a reference
 * pose, so a static world stays static across a sequence. Nearest-neighbour, so class frames
 * stay one-hot; cells that fall outside the source grid become free (class frames) or 0.
 * Lidar sequences align their points before rasterizing instead (exact, no resampling).
 */
import { gridShape, type BevGrid } from './bev-grid';
import { DataError } from './errors';
import type { BevFrame, EgoPose, FrameSequence } from './frame';
import { egoToReference, invert } from './pose';
import { lazySequence, type CacheOptions } from './sequence';

/** The grid a frame was built on, from its `meta.grid`. */
export function gridOfFrame(frame: BevFrame): BevGrid {
  const g = frame.meta.grid as Partial<BevGrid> | undefined;
  if (!g || !g.xRangeM || !g.yRangeM || !g.cellSizeM) {
    throw new Error(`alignFrame: frame ${frame.index} has no meta.grid, so its cells have no position in metres`);
  }
  return { xRangeM: g.xRangeM, yRangeM: g.yRangeM, cellSizeM: g.cellSizeM };
}

export function alignFrame(frame: BevFrame, reference: EgoPose, referenceIndex?: number): BevFrame {
  if (!frame.egoPose) throw new Error(`alignFrame: frame ${frame.index} has no ego pose`);
  const grid = gridOfFrame(frame);
  const { height: H, width: W } = gridShape(grid);
  if (H !== frame.height || W !== frame.width) {
    throw new Error(`alignFrame: frame ${frame.index} is ${frame.height}×${frame.width} but its grid says ${H}×${W}`);
  }
  // Target cell (reference ego frame) → position in the frame's own ego frame.
  const refToFrame = invert(egoToReference(frame.egoPose, reference));
  const { r, t } = refToFrame;
  const cell = grid.cellSizeM;
  const [x0] = grid.xRangeM;
  const y1 = grid.yRangeM[1];
  const hw = H * W;
  const srcIndex = new Int32Array(hw);
  let outside = 0;
  for (let row = 0; row < H; row++) {
    const y = y1 - (row + 0.5) * cell;
    for (let col = 0; col < W; col++) {
      const x = x0 + (col + 0.5) * cell;
      const sx = r[0]! * x + r[1]! * y + t[0];
      const sy = r[3]! * x + r[4]! * y + t[1];
      const sc = Math.floor((sx - x0) / cell);
      const sr = Math.floor((y1 - sy) / cell);
      const inside = sc >= 0 && sc < W && sr >= 0 && sr < H;
      srcIndex[row * W + col] = inside ? sr * W + sc : -1;
      if (!inside) outside++;
    }
  }
  const out = new Float32Array(frame.data.length);
  const src = frame.data;
  for (let c = 0; c < frame.channels; c++) {
    const off = c * hw;
    for (let i = 0; i < hw; i++) {
      const s = srcIndex[i]!;
      if (s >= 0) out[off + i] = src[off + s]!;
    }
  }
  const enc = frame.encoding;
  if (enc.kind === 'classes' && enc.freeClass !== undefined && outside > 0) {
    // Cells the frame never saw: free in every height group, so the one-hot stays valid.
    for (let g = 0; g < enc.groups; g++) {
      const off = (g * enc.numClasses + enc.freeClass) * hw;
      for (let i = 0; i < hw; i++) if (srcIndex[i]! < 0) out[off + i] = 1;
    }
  }
  return {
    ...frame,
    data: out,
    meta: { ...frame.meta, alignedTo: { index: referenceIndex, pose: reference }, cellsOutsideSource: outside },
  };
}

/**
 * The sequence with every frame resampled into the ego frame of frame `referenceIndex`.
 * Frames need ego poses (the sequence's `egoPoses` or each frame's `egoPose`).
 */
export function alignSequence(seq: FrameSequence, referenceIndex: number, cache: CacheOptions = {}): FrameSequence {
  if (!(Number.isInteger(referenceIndex) && referenceIndex >= 0 && referenceIndex < seq.length)) {
    throw new RangeError(`alignTo ${referenceIndex} is not a frame of ${seq.name} (0..${seq.length - 1})`);
  }
  let refPose: Promise<EgoPose> | undefined;
  const reference = () =>
    (refPose ??= (async () => {
      const pose = seq.egoPoses?.[referenceIndex] ?? (await seq.getFrame(referenceIndex)).egoPose;
      if (!pose) throw new DataError(seq.sourcePath ?? seq.name, 'has no ego poses, so its frames cannot be aligned to a reference frame');
      return pose;
    })());
  return lazySequence({
    name: `${seq.name} (aligned to frame ${referenceIndex})`,
    length: seq.length,
    channels: seq.channels,
    height: seq.height,
    width: seq.width,
    channelNames: seq.channelNames,
    encoding: seq.encoding,
    timestampsUs: seq.timestampsUs,
    egoPoses: seq.egoPoses,
    attribution: seq.attribution,
    kind: seq.kind,
    sourcePath: seq.sourcePath,
    ...cache,
    async load(i) {
      const pose = await reference();
      const frame = await seq.getFrame(i);
      if (!frame.egoPose) throw new DataError(String(frame.meta.source ?? seq.name), `frame ${i} has no ego pose, so it cannot be aligned`);
      return alignFrame(frame, pose, referenceIndex);
    },
  });
}
