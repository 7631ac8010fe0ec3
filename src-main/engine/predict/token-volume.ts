/**
 * A run of token grids, the currency of everything in `predict/`: frame-major int32 ids laid out
 * `[frames, h, w, depth]` (depth 1 for a plain VQ/FSQ tokenizer, the residual depth or number of
 * groups otherwise), each id in `[0, codebookSize)`. Predictions use the same layout, with
 * `rollouts` stacked in front (`[rollouts, frames, h, w, depth]`).
 */
export interface TokenVolume {
  data: Int32Array;
  frames: number;
  h: number;
  w: number;
  depth: number;
  codebookSize: number;
}

/** Ids in one frame: `h·w·depth`. */
export function frameSize(v: Pick<TokenVolume, 'h' | 'w' | 'depth'>): number {
  return v.h * v.w * v.depth;
}

/** A view (no copy) of frame `t`'s ids. */
export function frameView(v: TokenVolume, t: number): Int32Array {
  if (!Number.isInteger(t) || t < 0 || t >= v.frames) {
    throw new RangeError(`frame ${t} is outside the token volume's ${v.frames} frames`);
  }
  const n = frameSize(v);
  return v.data.subarray(t * n, (t + 1) * n);
}

/** Checks the layout is self-consistent; throws a RangeError saying what is off. */
export function checkTokenVolume(v: TokenVolume, what = 'token volume'): void {
  for (const key of ['frames', 'h', 'w', 'depth', 'codebookSize'] as const) {
    if (!Number.isInteger(v[key]) || v[key] < 1) throw new RangeError(`${what}: ${key} must be a positive integer, got ${v[key]}`);
  }
  const expected = v.frames * frameSize(v);
  if (v.data.length !== expected) {
    throw new RangeError(`${what}: ${v.frames}×${v.h}×${v.w}×${v.depth} needs ${expected} ids, data holds ${v.data.length}`);
  }
  for (let i = 0; i < v.data.length; i++) {
    const id = v.data[i]!;
    if (id < 0 || id >= v.codebookSize) {
      throw new RangeError(`${what}: id ${id} at flat index ${i} is outside the codebook [0, ${v.codebookSize})`);
    }
  }
}

/**
 * Predicted token grids aligned to a sequence: `data` is `[rollouts, frames, h, w, depth]`, and
 * predicted frame j of every rollout stands for sequence frame `startFrame + j`.
 * - `'rollout'`: the predictor saw the truth up to frame `startFrame − 1` and its own output
 *   after, so frame j is j + 1 steps ahead.
 * - `'one-step'`: every frame was predicted from the true frames before it (1 step ahead), as
 *   OccWorld reports.
 * - `'windows'`: sliding windows of H = `frames` frames, one from every start: the leading axis
 *   holds the windows (not rollouts), window s starts at sequence frame `startFrame + s`, and its
 *   frame j is j + 1 steps ahead.
 */
export interface PredictionVolume extends TokenVolume {
  rollouts: number;
  startFrame: number;
  mode: PredictionMode;
}

export type PredictionMode = 'rollout' | 'one-step' | 'windows';

/** Sequence frame that rollout (or window) r's predicted frame j stands for. */
export function targetFrame(p: Pick<PredictionVolume, 'startFrame' | 'mode'>, r: number, j: number): number {
  return p.startFrame + j + (p.mode === 'windows' ? r : 0);
}

/** A view (no copy) of rollout `r`, predicted frame `j`. */
export function predictedFrame(p: PredictionVolume, r: number, j: number): Int32Array {
  if (!Number.isInteger(r) || r < 0 || r >= p.rollouts) throw new RangeError(`rollout ${r} is outside 0..${p.rollouts - 1}`);
  if (!Number.isInteger(j) || j < 0 || j >= p.frames) throw new RangeError(`predicted frame ${j} is outside 0..${p.frames - 1}`);
  const n = frameSize(p);
  const at = (r * p.frames + j) * n;
  return p.data.subarray(at, at + n);
}

/** Steps ahead of predicted frame j (1-based). */
export function stepsAhead(p: PredictionVolume, j: number): number {
  return p.mode === 'one-step' ? 1 : j + 1;
}
