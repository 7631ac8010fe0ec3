/**
 * Training datasets over one or more FrameSequences: a train/validation split (by frame or by
 * whole sequence), seeded shuffled batches of whole frames or random crops, and per-channel
 * normalisation statistics for continuous channels, computed once and stored with the
 * checkpoint's config (they are plain JSON).
 */
import type { BevFrame, FrameSequence } from './frame';
import { Rng } from '../util/rng';

/** A frame of a dataset: which sequence, which frame. */
export interface FrameRef {
  sequence: number;
  frame: number;
}

export interface SplitOptions {
  /** Share of frames for validation, 0..1. */
  valFraction: number;
  seed: number;
  /** `frame`: frames drawn at random; `sequence`: whole sequences (no near-duplicate leaks). */
  by?: 'frame' | 'sequence';
}

export interface Split {
  train: FrameRef[];
  val: FrameRef[];
}

export function splitTrainVal(sequences: readonly FrameSequence[], opts: SplitOptions): Split {
  const { valFraction, seed } = opts;
  if (!(valFraction >= 0 && valFraction < 1)) throw new RangeError(`valFraction must be in [0, 1), got ${valFraction}`);
  const rng = new Rng(seed);
  const all: FrameRef[] = [];
  sequences.forEach((s, si) => {
    for (let f = 0; f < s.length; f++) all.push({ sequence: si, frame: f });
  });
  if (all.length === 0) throw new RangeError('splitTrainVal: the sequences have no frames');
  if ((opts.by ?? 'frame') === 'sequence') {
    if (valFraction > 0 && sequences.length < 2) {
      throw new RangeError('splitTrainVal: a split by sequence needs at least two sequences');
    }
    const order = shuffled(sequences.map((_, i) => i), rng);
    const valSeqs = new Set<number>();
    let valFrames = 0;
    // Whole sequences go to validation until it holds its share, always leaving one for training.
    for (const si of order) {
      if (valFrames >= valFraction * all.length || valSeqs.size === sequences.length - 1) break;
      valSeqs.add(si);
      valFrames += sequences[si]!.length;
    }
    return { train: all.filter((r) => !valSeqs.has(r.sequence)), val: all.filter((r) => valSeqs.has(r.sequence)) };
  }
  const order = shuffled(all, rng);
  let nVal = Math.round(valFraction * all.length);
  if (valFraction > 0 && nVal === 0 && all.length > 1) nVal = 1;
  const byOrder = (a: FrameRef, b: FrameRef) => a.sequence - b.sequence || a.frame - b.frame;
  return { train: order.slice(nVal).sort(byOrder), val: order.slice(0, nVal).sort(byOrder) };
}

/** Per-channel mean and standard deviation; channels that are not continuous keep 0 / 1. */
export interface ChannelStats {
  channelNames: string[];
  mean: number[];
  std: number[];
  /** Whether each channel is normalised (class one-hots and `class/*` indicators are not). */
  normalised: boolean[];
  /** Cells per channel the statistics were computed over. */
  count: number;
}

/** Channels to normalise: continuous ones, except 0/1 class indicators. */
export function continuousChannels(seq: Pick<FrameSequence, 'encoding' | 'channelNames'>): boolean[] {
  if (seq.encoding.kind === 'classes') return seq.channelNames.map(() => false);
  return seq.channelNames.map((n) => !n.startsWith('class/'));
}

/**
 * Mean / std of each continuous channel over the given frames (all of them by default, or
 * `maxFrames` drawn with the seed). Accumulates in float64 so long sequences do not drift.
 */
export async function computeChannelStats(
  sequences: readonly FrameSequence[],
  refs: readonly FrameRef[],
  opts: { maxFrames?: number; seed?: number } = {},
): Promise<ChannelStats> {
  const first = sequences[refs[0]?.sequence ?? 0];
  if (!first || refs.length === 0) throw new RangeError('computeChannelStats: no frames');
  const C = first.channels;
  const normalised = continuousChannels(first);
  let picked = [...refs];
  if (opts.maxFrames !== undefined && picked.length > opts.maxFrames) {
    picked = shuffled(picked, new Rng(opts.seed ?? 0)).slice(0, opts.maxFrames);
  }
  const sum = new Float64Array(C);
  const sumSq = new Float64Array(C);
  let count = 0;
  for (const r of picked) {
    const f = await sequences[r.sequence]!.getFrame(r.frame);
    const hw = f.height * f.width;
    for (let c = 0; c < C; c++) {
      if (!normalised[c]) continue;
      let s = 0;
      let s2 = 0;
      const off = c * hw;
      for (let i = 0; i < hw; i++) {
        const v = f.data[off + i]!;
        s += v;
        s2 += v * v;
      }
      sum[c] += s;
      sumSq[c] += s2;
    }
    count += hw;
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < C; c++) {
    if (!normalised[c]) {
      mean.push(0);
      std.push(1);
      continue;
    }
    const m = sum[c]! / count;
    const variance = Math.max(0, sumSq[c]! / count - m * m);
    mean.push(m);
    // A constant channel would divide by zero; leave its scale alone.
    std.push(Math.sqrt(variance) > 1e-8 ? Math.sqrt(variance) : 1);
  }
  return { channelNames: [...first.channelNames], mean, std, normalised, count };
}

export interface NormaliseOptions {
  /** NCHW (default) or NHWC. */
  layout?: 'NCHW' | 'NHWC';
  /** Cells per channel plane for NCHW batches (H·W); default: the whole array is one frame. */
  planeSize?: number;
  /** Undo a normalisation instead: x · std + mean. */
  inverse?: boolean;
}

/** (x − mean) / std in place on the normalised channels of `[B?, C, H, W]` or `[B?, H, W, C]` data. */
export function normalise(data: Float32Array, stats: ChannelStats, opts: NormaliseOptions = {}): void {
  const C = stats.mean.length;
  const inverse = opts.inverse ?? false;
  if ((opts.layout ?? 'NCHW') === 'NHWC') {
    if (data.length % C !== 0) throw new RangeError(`normalise: ${data.length} values are not whole cells of ${C} channels`);
    for (let i = 0; i < data.length; i++) {
      const c = i % C;
      if (!stats.normalised[c]) continue;
      data[i] = inverse ? data[i]! * stats.std[c]! + stats.mean[c]! : (data[i]! - stats.mean[c]!) / stats.std[c]!;
    }
    return;
  }
  const hw = opts.planeSize ?? data.length / C;
  if (!Number.isInteger(hw) || hw <= 0 || data.length % (hw * C) !== 0) {
    throw new RangeError(`normalise: ${data.length} values are not whole frames of ${C} planes of ${hw} cells`);
  }
  // In a batch the plane of channel c comes back every C planes.
  for (let p = 0; p * hw < data.length; p++) {
    const c = p % C;
    if (!stats.normalised[c]) continue;
    const m = stats.mean[c]!;
    const s = stats.std[c]!;
    for (let i = p * hw; i < (p + 1) * hw; i++) data[i] = inverse ? data[i]! * s + m : (data[i]! - m) / s;
  }
}

export interface BatchOptions {
  batchSize: number;
  seed: number;
  /** Random crop size (square, or [h, w]); whole frames when absent. */
  crop?: number | [number, number];
  /** Shuffle frame order each epoch (default true). */
  shuffle?: boolean;
  /** Drop a last partial batch (default false). */
  dropLast?: boolean;
  /** NCHW (default; the tokenizer's API) or NHWC. */
  layout?: 'NCHW' | 'NHWC';
  /** Normalise continuous channels with these statistics. */
  stats?: ChannelStats;
}

export interface Batch {
  data: Float32Array;
  /** `[B, C, h, w]` (NCHW) or `[B, h, w, C]` (NHWC). */
  shape: [number, number, number, number];
  layout: 'NCHW' | 'NHWC';
  refs: FrameRef[];
  /** Top-left cell of each sample's crop. */
  offsets: { row: number; col: number }[];
}

/** Frames of one or more sequences with the same channels, served as batches. */
export class BevDataset {
  readonly channels: number;

  constructor(
    readonly sequences: readonly FrameSequence[],
    readonly refs: readonly FrameRef[],
  ) {
    if (sequences.length === 0) throw new RangeError('BevDataset: no sequences');
    const first = sequences[0]!;
    this.channels = first.channels;
    for (const s of sequences) {
      if (s.channels !== first.channels || s.channelNames.join() !== first.channelNames.join()) {
        throw new RangeError(`BevDataset: sequence ${s.name} has channels ${s.channelNames.join(', ')} but ${first.name} has ${first.channelNames.join(', ')}`);
      }
    }
    for (const r of refs) {
      const s = sequences[r.sequence];
      if (!s || !(r.frame >= 0 && r.frame < s.length)) throw new RangeError(`BevDataset: no frame ${r.frame} in sequence ${r.sequence}`);
    }
  }

  get length(): number {
    return this.refs.length;
  }

  /** Batches of one epoch; the same (seed, epoch) gives the same batches and crops. */
  async *batches(opts: BatchOptions, epoch = 0): AsyncGenerator<Batch> {
    const { batchSize } = opts;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    const layout = opts.layout ?? 'NCHW';
    const rng = new Rng((opts.seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
    const order = opts.shuffle === false ? [...this.refs] : shuffled([...this.refs], rng);
    const [ch, cw] = this.cropSize(opts.crop);
    for (let start = 0; start < order.length; start += batchSize) {
      const refs = order.slice(start, start + batchSize);
      if (refs.length < batchSize && opts.dropLast) break;
      const B = refs.length;
      const C = this.channels;
      const data = new Float32Array(B * C * ch * cw);
      const offsets: { row: number; col: number }[] = [];
      for (let b = 0; b < B; b++) {
        const r = refs[b]!;
        const f = await this.sequences[r.sequence]!.getFrame(r.frame);
        if (f.height < ch || f.width < cw) {
          throw new RangeError(`BevDataset: frame ${r.frame} of ${this.sequences[r.sequence]!.name} is ${f.height}×${f.width}, smaller than the crop ${ch}×${cw}`);
        }
        const row = rng.int(f.height - ch + 1);
        const col = rng.int(f.width - cw + 1);
        offsets.push({ row, col });
        copyCrop(f, row, col, ch, cw, data, b, layout);
      }
      if (opts.stats) normalise(data, opts.stats, { layout, planeSize: ch * cw });
      const shape: [number, number, number, number] = layout === 'NCHW' ? [B, C, ch, cw] : [B, ch, cw, C];
      yield { data, shape, layout, refs, offsets };
    }
  }

  private cropSize(crop: BatchOptions['crop']): [number, number] {
    if (crop === undefined) {
      const s = this.sequences[0]!;
      for (const o of this.sequences) {
        if (o.height !== s.height || o.width !== s.width) {
          throw new RangeError(`BevDataset: sequences differ in size (${s.height}×${s.width}, ${o.height}×${o.width}); give a crop size`);
        }
      }
      return [s.height, s.width];
    }
    const [h, w] = typeof crop === 'number' ? [crop, crop] : crop;
    if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) throw new RangeError(`bad crop size ${JSON.stringify(crop)}`);
    return [h, w];
  }
}

/**
 * Copies the `ch × cw` crop at (row, col) of a `[C, H, W]` frame into sample `b` of a batch
 * buffer, NCHW `[B, C, ch, cw]` or NHWC `[B, ch, cw, C]` (engine/train's BatchSampler uses it too).
 */
export function copyCrop(f: BevFrame, row: number, col: number, ch: number, cw: number, out: Float32Array, b: number, layout: 'NCHW' | 'NHWC'): void {
  const { channels: C, width: W, height: H } = f;
  const src = f.data;
  if (layout === 'NCHW') {
    let o = b * C * ch * cw;
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < ch; y++) {
        const s = (c * H + row + y) * W + col;
        out.set(src.subarray(s, s + cw), o);
        o += cw;
      }
    }
    return;
  }
  const base = b * ch * cw * C;
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < ch; y++) {
      const s = (c * H + row + y) * W + col;
      let o = base + (y * cw) * C + c;
      for (let x = 0; x < cw; x++, o += C) out[o] = src[s + x]!;
    }
  }
}

function shuffled<T>(items: T[], rng: Rng): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
