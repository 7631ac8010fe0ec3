import { Rng } from '../../util/rng';
import { contextBefore } from './context-window';
import { frameSize, type TokenVolume } from './token-volume';

/** One teacher-forced training batch: the true k previous frames and the true next frame. */
export interface NextFrameBatch {
  /** int32 `[B, k, h, w, depth]`. */
  context: Int32Array;
  /** int32 `[B, h, w, depth]`. */
  target: Int32Array;
  size: number;
}

/**
 * Draws (sequence, frame) pairs uniformly from every predictable frame (1 … T−1) of one or more
 * tokenized sequences of the same grid, seeded, so a run repeats exactly.
 */
export class NextFrameSampler {
  private readonly rng: Rng;
  private readonly pairs: Array<[number, number]> = [];

  constructor(
    readonly volumes: readonly TokenVolume[],
    readonly context: number,
    seed: number,
  ) {
    if (volumes.length === 0) throw new RangeError('next-frame sampler: no token sequences given');
    const first = volumes[0]!;
    volumes.forEach((v, i) => {
      if (v.h !== first.h || v.w !== first.w || v.depth !== first.depth) {
        throw new RangeError(
          `next-frame sampler: sequence ${i} has a ${v.h}×${v.w}×${v.depth} grid, sequence 0 has ${first.h}×${first.w}×${first.depth}`,
        );
      }
      for (let t = 1; t < v.frames; t++) this.pairs.push([i, t]);
    });
    if (this.pairs.length === 0) throw new RangeError('next-frame sampler: every sequence has a single frame; nothing to predict');
    this.rng = new Rng(seed);
  }

  /** Number of (context, next frame) pairs available. */
  get available(): number {
    return this.pairs.length;
  }

  batch(size: number): NextFrameBatch {
    const v0 = this.volumes[0]!;
    const n = frameSize(v0);
    const k = this.context;
    const context = new Int32Array(size * k * n);
    const target = new Int32Array(size * n);
    for (let b = 0; b < size; b++) {
      const [s, t] = this.pairs[this.rng.int(this.pairs.length)]!;
      const v = this.volumes[s]!;
      contextBefore(v, t, k, context.subarray(b * k * n, (b + 1) * k * n));
      target.set(v.data.subarray(t * n, (t + 1) * n), b * n);
    }
    return { context, target, size };
  }
}
