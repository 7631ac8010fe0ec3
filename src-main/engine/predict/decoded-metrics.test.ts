import { describe, expect, it } from 'vitest';
import type { BevFrame, FrameEncoding } from '../../data/frame';
import { oneHot } from '../../data/frame-utils';
import { scoreDecodedFrame } from './decoded-metrics';

function classFrame(labels: number[], numClasses: number, freeClass?: number): BevFrame {
  const encoding: FrameEncoding = { kind: 'classes', numClasses, groups: 1, palette: [], freeClass };
  return {
    data: oneHot(Uint8Array.from(labels), numClasses),
    channels: numClasses,
    height: 2,
    width: 2,
    channelNames: [],
    encoding,
    index: 0,
    meta: {},
  };
}

describe('scores of a decoded prediction against the true frame', () => {
  it('class frames: IoU / mIoU and a wrong-class error map', () => {
    const truth = classFrame([0, 1, 1, 2], 3, 0);
    const pred = classFrame([0, 1, 2, 2], 3, 0);
    const s = scoreDecodedFrame(pred.data, truth);
    expect(Array.from(s.error)).toEqual([0, 0, 1, 0]);
    // Class 1: TP 1, FN 1 → 1/2; class 2: TP 1, FP 1 → 1/2; free class 0 excluded.
    expect(s.miou).toBeCloseTo(0.5, 12);
    // Occupied cells (≠ 0) agree everywhere: IoU 1.
    expect(s.iou).toBe(1);
    const noFree = scoreDecodedFrame(pred.data, classFrame([0, 1, 1, 2], 3));
    expect(noFree.iou).toBeUndefined();
    expect(noFree.miou).toBeCloseTo((1 + 0.5 + 0.5) / 3, 12);
  });

  it('continuous frames: MSE and a squared-error map', () => {
    const truth: BevFrame = { ...classFrame([0, 0, 0, 0], 2), encoding: { kind: 'continuous' }, data: new Float32Array([0, 0, 0, 0, 1, 1, 1, 1]) };
    const s = scoreDecodedFrame(new Float32Array([1, 0, 0, 0, 1, 1, 1, 3]), truth);
    expect(s.mse).toBeCloseTo(5 / 8, 12);
    expect(Array.from(s.error)).toEqual([1, 0, 0, 4]);
    expect(() => scoreDecodedFrame(new Float32Array(3), truth)).toThrow(/3 values; the true frame is 2×2×2/);
  });
});
