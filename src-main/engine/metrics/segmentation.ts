/**
 * Segmentation scores of a reconstructed class frame against its input, as the Occ3D
 * benchmark computes them: a confusion matrix over classes (accumulated over frames, optionally
 * under a visibility mask), per-class IoU = TP / (TP + FP + FN), mIoU the mean over classes
 * excluding the free class and skipping classes absent from both prediction and truth (NaN, as
 * numpy's nanmean does there), and the geometric IoU of occupied (any class but free) vs free.
 * Pure JS on typed arrays.
 */

export interface SegmentationScores {
  /** IoU of the occupied cells (class ≠ free), 0..1; NaN when neither side has any. */
  iou: number;
  /** Mean of the per-class IoUs over the non-free classes present; NaN when none is. */
  miou: number;
  /** IoU per class (NaN where the class is absent from both prediction and truth). */
  perClass: number[];
}

/** hist[truth · C + pred], as Occ3D's `fast_hist`. */
export class ConfusionMatrix {
  readonly numClasses: number;
  readonly counts: Float64Array;

  constructor(numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`segmentation: need at least 2 classes, got ${numClasses}`);
    this.numClasses = numClasses;
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /** Adds one frame: predicted and true class per cell; cells where `mask` is 0 are skipped. */
  add(pred: ArrayLike<number>, truth: ArrayLike<number>, mask?: ArrayLike<number>): void {
    const n = truth.length;
    if (pred.length !== n) throw new Error(`segmentation: prediction has ${pred.length} cells, truth has ${n}`);
    if (mask && mask.length !== n) throw new Error(`segmentation: mask has ${mask.length} cells, truth has ${n}`);
    const C = this.numClasses;
    for (let i = 0; i < n; i++) {
      if (mask && !mask[i]) continue;
      const t = truth[i]!;
      const p = pred[i]!;
      if (!(t >= 0 && t < C && Number.isInteger(t))) throw new Error(`segmentation: true class ${t} at cell ${i} is outside 0..${C - 1}`);
      if (!(p >= 0 && p < C && Number.isInteger(p))) throw new Error(`segmentation: predicted class ${p} at cell ${i} is outside 0..${C - 1}`);
      this.counts[t * C + p]!++;
    }
  }

  reset(): void {
    this.counts.fill(0);
  }

  /** Scores of everything added so far, with `freeClass` the empty / free-space class. */
  scores(freeClass: number): SegmentationScores {
    const C = this.numClasses;
    if (!(Number.isInteger(freeClass) && freeClass >= 0 && freeClass < C)) {
      throw new Error(`segmentation: free class ${freeClass} is outside 0..${C - 1}`);
    }
    const h = this.counts;
    const rowSum = new Float64Array(C);
    const colSum = new Float64Array(C);
    for (let t = 0; t < C; t++) {
      for (let p = 0; p < C; p++) {
        rowSum[t]! += h[t * C + p]!;
        colSum[p]! += h[t * C + p]!;
      }
    }
    const perClass = Array.from({ length: C }, (_, c) => {
      const tp = h[c * C + c]!;
      const union = rowSum[c]! + colSum[c]! - tp;
      return union > 0 ? tp / union : NaN;
    });
    let sum = 0;
    let present = 0;
    perClass.forEach((v, c) => {
      if (c !== freeClass && !Number.isNaN(v)) {
        sum += v;
        present++;
      }
    });
    // Occupancy: truth occupied & pred occupied (TP), free→occupied (FP), occupied→free (FN).
    const f = freeClass;
    const total = rowSum.reduce((a, b) => a + b, 0);
    const truthOcc = total - rowSum[f]!;
    const predOcc = total - colSum[f]!;
    const bothFree = h[f * C + f]!;
    const bothOcc = total - rowSum[f]! - colSum[f]! + bothFree;
    const occUnion = truthOcc + predOcc - bothOcc;
    return { iou: occUnion > 0 ? bothOcc / occUnion : NaN, miou: present > 0 ? sum / present : NaN, perClass };
  }
}

/** Scores of one frame: `pred` and `truth` class per cell, `freeClass` excluded from mIoU. */
export function segmentationScores(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  numClasses: number,
  freeClass: number,
  mask?: ArrayLike<number>,
): SegmentationScores {
  const cm = new ConfusionMatrix(numClasses);
  cm.add(pred, truth, mask);
  return cm.scores(freeClass);
}
