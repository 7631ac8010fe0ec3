import { copyCrop } from '../../data/dataset';
import type { FrameSequence } from '../../data/frame';
import { Rng } from '../../util/rng';

/**
 * Draws training batches from a frame sequence: random frames, each with a random crop of
 * `crop × crop` (or the whole frame when crop is 0). Batch t depends only on (seed, t), so the
 * same seed gives the same batches and a run resumed at step t draws what the uninterrupted
 * run would have. Returns `[B, C, h, w]` float32 plus the picked frame indices.
 *
 * Not data/dataset.ts's BevDataset: that one serves epochs (each frame once per epoch, in a
 * shuffled order), which a run resumed at an arbitrary step could not reproduce without replaying
 * the epoch; this one draws with replacement, one batch per step index. The crop copy is shared.
 */
export interface Batch {
  data: Float32Array;
  shape: [number, number, number, number];
  frames: number[];
}

export class BatchSampler {
  /** Index of the next batch (set it to the step count when resuming). */
  position = 0;
  readonly cropH: number;
  readonly cropW: number;
  /** The frames drawn from when some are excluded; null: all (the same draws as before exclusion existed). */
  private readonly pool: number[] | null;

  constructor(
    readonly seq: FrameSequence,
    readonly batchSize: number,
    crop: number,
    readonly seed: number,
    /** Crops snap to this multiple (the model's downsampling factor) so the token grid is whole. */
    multiple = 1,
    /** Frames never drawn (the held-out set, engine/train/held-out.ts). */
    exclude: readonly number[] = [],
  ) {
    if (seq.length < 1) throw new Error(`batch sampler: sequence "${seq.name}" has no frames`);
    this.pool = exclude.length ? Array.from({ length: seq.length }, (_, i) => i).filter((i) => !exclude.includes(i)) : null;
    if (this.pool && this.pool.length === 0) throw new Error(`batch sampler: every frame of "${seq.name}" is held out`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch sampler: batch size must be a positive integer, got ${batchSize}`);
    const c = crop > 0 ? crop : 0;
    this.cropH = c ? Math.min(c, seq.height) : seq.height;
    this.cropW = c ? Math.min(c, seq.width) : seq.width;
    this.cropH -= this.cropH % multiple;
    this.cropW -= this.cropW % multiple;
    if (this.cropH < multiple || this.cropW < multiple) {
      throw new Error(`batch sampler: frames of ${seq.height}×${seq.width} are smaller than the downsampling factor ${multiple}`);
    }
  }

  async next(): Promise<Batch> {
    return this.batchAt(this.position++);
  }

  async batchAt(t: number): Promise<Batch> {
    const { seq, batchSize: B, cropH: h, cropW: w } = this;
    const rng = new Rng(Math.imul(this.seed ^ 0x5eed, 0x9e3779b1) ^ Math.imul(t + 1, 0x85ebca6b));
    const C = seq.channels;
    const data = new Float32Array(B * C * h * w);
    const frames: number[] = [];
    for (let b = 0; b < B; b++) {
      const fi = this.pool ? this.pool[rng.int(this.pool.length)]! : rng.int(seq.length);
      const y0 = rng.int(seq.height - h + 1);
      const x0 = rng.int(seq.width - w + 1);
      frames.push(fi);
      const f = await seq.getFrame(fi);
      if (f.channels !== C || f.height !== seq.height || f.width !== seq.width) {
        throw new Error(`batch sampler: frame ${fi} of "${seq.name}" is ${f.channels}×${f.height}×${f.width}, expected ${C}×${seq.height}×${seq.width}`);
      }
      copyCrop(f, y0, x0, h, w, data, b, 'NCHW');
    }
    return { data, shape: [B, C, h, w], frames };
  }
}
