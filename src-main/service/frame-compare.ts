import type { DecodedFrame } from '../contract/index';
import type { FrameEncoding } from '../data/frame';
import { ConfusionMatrix } from '../engine/metrics/segmentation';
import { ALL_CHANNELS, decodedView } from './frame-view';
import type { DecodedPayload } from './frame-view';
import { topDownOfMaps } from './top-down';

/**
 * Turns a decoder output (in frame space: per-group class probabilities for class frames, values
 * for continuous ones) into what the Decoded view shows: the reconstruction, the per-cell error
 * against the input, and the frame's metrics (IoU / mIoU as Occ3D computes them, or MSE / PSNR).
 * Plain loops over typed arrays: a 200×200×18 frame takes a few milliseconds.
 */
export interface FrameShape {
  channels: number;
  height: number;
  width: number;
}

/** Argmax class per cell and group, `[groups, H, W]`. */
export function classMaps(data: Float32Array, shape: FrameShape, numClasses: number): Uint8Array {
  const hw = shape.height * shape.width;
  const groups = shape.channels / numClasses;
  const out = new Uint8Array(groups * hw);
  const best = new Float32Array(hw);
  for (let g = 0; g < groups; g++) {
    best.fill(-Infinity);
    const o = g * hw;
    for (let c = 0; c < numClasses; c++) {
      const base = (g * numClasses + c) * hw;
      for (let i = 0; i < hw; i++) {
        const v = data[base + i]!;
        if (v > best[i]!) {
          best[i] = v;
          out[o + i] = c;
        }
      }
    }
  }
  return out;
}

/**
 * @param recon decoder output in frame space, `[C, H, W]`
 * @param target the input frame, or null (a code's prototype has no truth to compare with)
 */
export function compareToInput(
  index: number,
  recon: Float32Array,
  target: Float32Array | null,
  shape: FrameShape,
  encoding: FrameEncoding,
): DecodedFrame {
  return decodedView(compareFrames(index, recon, target, shape, encoding), ALL_CHANNELS);
}

/**
 * The same comparison, kept in the form the service caches: class frames as their argmax maps
 * (a view asks for the one-hot reconstruction only if it draws it), continuous ones as values.
 */
export function compareFrames(
  index: number,
  recon: Float32Array,
  target: Float32Array | null,
  shape: FrameShape,
  encoding: FrameEncoding,
): DecodedPayload {
  const hw = shape.height * shape.width;
  if (recon.length !== shape.channels * hw) {
    throw new Error(`decoded frame ${index}: ${recon.length} values for a ${shape.channels}×${shape.height}×${shape.width} frame`);
  }
  if (target && target.length !== recon.length) {
    throw new Error(`decoded frame ${index}: the input has ${target.length} values but the reconstruction ${recon.length}`);
  }
  const error = new Float32Array(hw);
  // Only the sizes: `shape` may be a whole FrameSequence.
  const dims = { channels: shape.channels, height: shape.height, width: shape.width };

  if (encoding.kind === 'classes') {
    const K = encoding.numClasses;
    const groups = shape.channels / K;
    const pred = classMaps(recon, shape, K);
    const labels = topDownOfMaps(pred, groups, hw, encoding.freeClass);
    const out: DecodedPayload = { ...dims, index, groupMaps: pred, numClasses: K, labels, error, metrics: {} };
    if (!target) return out;
    const truth = classMaps(target, shape, K);
    const cm = new ConfusionMatrix(K);
    cm.add(pred, truth);
    for (let g = 0; g < groups; g++) {
      for (let i = 0; i < hw; i++) if (pred[g * hw + i] !== truth[g * hw + i]) error[i]! += 1 / groups;
    }
    if (encoding.freeClass !== undefined) {
      const s = cm.scores(encoding.freeClass);
      if (Number.isFinite(s.miou)) out.metrics.miou = s.miou;
      if (Number.isFinite(s.iou)) out.metrics.iou = s.iou;
    } else {
      // No free class: mIoU over every class present, and no occupancy IoU.
      const perClass = cm.scores(0).perClass.filter((v) => !Number.isNaN(v));
      if (perClass.length) out.metrics.miou = perClass.reduce((a, b) => a + b, 0) / perClass.length;
    }
    return out;
  }

  const out: DecodedPayload = { ...dims, index, recon, error, metrics: {} };
  if (!target) return out;
  let sum = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let c = 0; c < shape.channels; c++) {
    const base = c * hw;
    for (let i = 0; i < hw; i++) {
      const t = target[base + i]!;
      const d = recon[base + i]! - t;
      error[i]! += (d * d) / shape.channels;
      sum += d * d;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
  }
  const mse = sum / recon.length;
  // PSNR against the input's own value range (BEV channels have no fixed peak such as 255).
  const peak = hi > lo ? hi - lo : 1;
  out.metrics.mse = mse;
  out.metrics.psnr = mse > 0 ? 10 * Math.log10((peak * peak) / mse) : Infinity;
  return out;
}
