import type { BevFrame, FrameEncoding } from '../../data/frame';
import { labelsOf } from '../../data/frame-utils';
import { ConfusionMatrix } from '../metrics/segmentation';

/**
 * Scores of a decoded predicted frame against the true input frame: IoU / mIoU (Occ3D's
 * definitions, from engine/metrics) for class frames, MSE for continuous ones, plus the per-cell
 * error map shown beside them (wrong class in any height group: 1, else 0; or the squared error
 * summed over channels).
 */
export interface DecodedScores {
  iou?: number;
  miou?: number;
  mse?: number;
  /** `[H, W]`. */
  error: Float32Array;
}

/** `decoded` and `truth` are `[C, H, W]` (class frames: per-group class scores / one-hot). */
export function scoreDecodedFrame(decoded: Float32Array, truth: BevFrame): DecodedScores {
  const { channels: C, height: H, width: W, encoding } = truth;
  if (decoded.length !== C * H * W) {
    throw new RangeError(`decoded prediction has ${decoded.length} values; the true frame is ${C}×${H}×${W}`);
  }
  const hw = H * W;
  const error = new Float32Array(hw);
  if (encoding.kind === 'continuous') {
    let sum = 0;
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < hw; i++) {
        const d = decoded[c * hw + i]! - truth.data[c * hw + i]!;
        error[i]! += d * d;
        sum += d * d;
      }
    }
    return { mse: sum / (C * hw), error };
  }
  const cm = new ConfusionMatrix(encoding.numClasses);
  const asFrame: BevFrame = { ...truth, data: decoded };
  for (let g = 0; g < encoding.groups; g++) {
    const p = labelsOf(asFrame, g);
    const t = labelsOf(truth, g);
    cm.add(p, t);
    for (let i = 0; i < hw; i++) if (p[i] !== t[i]) error[i] = 1;
  }
  return { ...classScores(cm, encoding), error };
}

function classScores(cm: ConfusionMatrix, enc: Extract<FrameEncoding, { kind: 'classes' }>): { iou?: number; miou: number } {
  if (enc.freeClass !== undefined) {
    const s = cm.scores(enc.freeClass);
    return { iou: s.iou, miou: s.miou };
  }
  // No free class: mIoU over every class present, and no occupancy IoU (nothing is "empty").
  const per = cm.scores(0).perClass.filter((v) => !Number.isNaN(v));
  return { miou: per.length ? per.reduce((a, b) => a + b, 0) / per.length : NaN };
}
