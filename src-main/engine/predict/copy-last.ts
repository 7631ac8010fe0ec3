import { checkTokenVolume, frameSize, type PredictionVolume, type TokenVolume } from './token-volume';

/**
 * The trivial world model: the next frame is the last one seen. Every learned predictor has to
 * beat it, and on BEV it is strong because most of the grid does not change between frames.
 *
 * - Without `horizon`: a one-step prediction of every frame 1 … T−1 from the true frame before it.
 * - With `start` and `horizon`: a rollout that repeats frame `start − 1` for `horizon` frames.
 */
export function copyLastBaseline(tokens: TokenVolume, opts: { start?: number; horizon?: number } = {}): PredictionVolume {
  checkTokenVolume(tokens, 'copy-last input');
  const n = frameSize(tokens);
  const base = { h: tokens.h, w: tokens.w, depth: tokens.depth, codebookSize: tokens.codebookSize, rollouts: 1 };
  if (opts.horizon === undefined) {
    if (tokens.frames < 2) throw new RangeError('copy-last: a one-step prediction needs at least 2 frames');
    // Frames 0 … T−2 are exactly the predictions of frames 1 … T−1.
    return { ...base, data: tokens.data.slice(0, (tokens.frames - 1) * n), frames: tokens.frames - 1, startFrame: 1, mode: 'one-step' };
  }
  const start = opts.start ?? 1;
  const horizon = opts.horizon;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`copy-last: horizon must be a positive integer, got ${horizon}`);
  if (!Number.isInteger(start) || start < 1 || start > tokens.frames) {
    throw new RangeError(`copy-last: start must be in 1..${tokens.frames} (the frame after the last one seen), got ${start}`);
  }
  const last = tokens.data.subarray((start - 1) * n, start * n);
  const data = new Int32Array(horizon * n);
  for (let j = 0; j < horizon; j++) data.set(last, j * n);
  return { ...base, data, frames: horizon, startFrame: start, mode: 'rollout' };
}
