import { frameSize, predictedFrame, stepsAhead, type PredictionVolume, type TokenVolume } from './token-volume';

/**
 * Token-level scores of predictions against the tokenized truth. Accuracy counts index
 * positions (cell × residual level); a cell "disagrees" when any of its levels differs.
 */

/** Fraction of equal ids between two equally long frames. */
export function tokenAccuracy(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  if (pred.length !== truth.length) throw new RangeError(`tokenAccuracy: ${pred.length} predicted ids against ${truth.length} true ones`);
  if (pred.length === 0) return NaN;
  let same = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === truth[i]) same++;
  return same / pred.length;
}

/** `[h·w]` map, 1 where the predicted cell's code differs from the truth's (any level). */
export function disagreementMap(pred: ArrayLike<number>, truth: ArrayLike<number>, cells: number, depth: number): Uint8Array {
  if (pred.length !== cells * depth || truth.length !== cells * depth) {
    throw new RangeError(`disagreementMap: expected ${cells * depth} ids per frame, got ${pred.length} and ${truth.length}`);
  }
  const out = new Uint8Array(cells);
  for (let c = 0; c < cells; c++) {
    for (let d = 0; d < depth; d++) {
      if (pred[c * depth + d] !== truth[c * depth + d]) {
        out[c] = 1;
        break;
      }
    }
  }
  return out;
}

export interface FrameAccuracy {
  /** Sequence frame index of each scored predicted frame. */
  frames: number[];
  /** `[rollout][i]` accuracy of rollout r at `frames[i]`. */
  perRollout: number[][];
  /** Mean over rollouts at each frame. */
  mean: number[];
}

export interface HorizonAccuracy {
  /** Steps ahead (1 = the next frame). */
  horizon: number[];
  /** `[rollout][i]` accuracy at `horizon[i]` steps ahead (averaged over frames with that horizon). */
  perRollout: number[][];
  mean: number[];
}

/** Accuracy of every predicted frame that has a true frame to compare with. */
export function accuracyPerFrame(pred: PredictionVolume, truth: TokenVolume): FrameAccuracy {
  checkComparable(pred, truth);
  const n = frameSize(truth);
  const frames: number[] = [];
  for (let j = 0; j < pred.frames && pred.startFrame + j < truth.frames; j++) frames.push(pred.startFrame + j);
  const perRollout = Array.from({ length: pred.rollouts }, (_, r) =>
    frames.map((t, j) => tokenAccuracy(predictedFrame(pred, r, j), truth.data.subarray(t * n, (t + 1) * n))),
  );
  return { frames, perRollout, mean: meanOver(perRollout, frames.length) };
}

/** Accuracy against steps ahead, per rollout and mean over rollouts (the "accuracy vs horizon" plot). */
export function accuracyPerHorizon(pred: PredictionVolume, truth: TokenVolume): HorizonAccuracy {
  const byFrame = accuracyPerFrame(pred, truth);
  const horizons = [...new Set(byFrame.frames.map((_, j) => stepsAhead(pred, j)))].sort((a, b) => a - b);
  const perRollout = byFrame.perRollout.map((accs) =>
    horizons.map((hz) => {
      let sum = 0;
      let count = 0;
      accs.forEach((a, j) => {
        if (stepsAhead(pred, j) === hz) {
          sum += a;
          count++;
        }
      });
      return sum / count;
    }),
  );
  return { horizon: horizons, perRollout, mean: meanOver(perRollout, horizons.length) };
}

/** Mean accuracy over every scored frame and rollout. */
export function meanAccuracy(pred: PredictionVolume, truth: TokenVolume): number {
  const { mean } = accuracyPerFrame(pred, truth);
  return mean.length ? mean.reduce((a, b) => a + b, 0) / mean.length : NaN;
}

function meanOver(rows: number[][], len: number): number[] {
  return Array.from({ length: len }, (_, i) => rows.reduce((s, row) => s + row[i]!, 0) / rows.length);
}

function checkComparable(pred: PredictionVolume, truth: TokenVolume): void {
  if (pred.h !== truth.h || pred.w !== truth.w || pred.depth !== truth.depth) {
    throw new RangeError(`predictions are ${pred.h}×${pred.w}×${pred.depth} per frame but the truth is ${truth.h}×${truth.w}×${truth.depth}`);
  }
  if (pred.startFrame < 0 || pred.startFrame >= truth.frames) {
    throw new RangeError(`predictions start at frame ${pred.startFrame}, outside the truth's ${truth.frames} frames`);
  }
}
