import { describe, expect, it } from 'vitest';
import { checkFrameRequest, decodedView, frameView, oneHotChannels, pickChannels } from './frame-view';
import type { FramePayload } from './frame-view';
import { compareFrames, compareToInput } from './frame-compare';
import { classEncoding } from '../data/palette';

const CONT = { kind: 'continuous' } as const;

describe('checkFrameRequest', () => {
  it('defaults to every channel and no group maps (the old behaviour)', () => {
    expect(checkFrameRequest('getFrame', undefined, 4, CONT)).toEqual({ channels: 'all', groupLabels: false });
    expect(checkFrameRequest('getFrame', {}, 4, CONT)).toEqual({ channels: 'all', groupLabels: false });
    expect(checkFrameRequest('getFrame', { channels: [3, 1], groupLabels: true }, 4, CONT)).toEqual({ channels: [3, 1], groupLabels: true });
  });

  it('refuses bad requests with one clear message naming the method', () => {
    expect(() => checkFrameRequest('getFrame', { channels: 'labels' }, 4, CONT)).toThrow(/^getFrame: channels: 'labels' needs a class frame/);
    expect(() => checkFrameRequest('getDecoded', { channels: [0, 4] }, 4, CONT)).toThrow('getDecoded: channel id 4 is out of range 0..3');
    expect(() => checkFrameRequest('getFrame', { channels: [0.5] }, 4, CONT)).toThrow("getFrame: request.channels: expected 'all', 'labels' or a list of channel ids (integers ≥ 0)");
    expect(() => checkFrameRequest('getFrame', { channels: 'some' }, 4, CONT)).toThrow(`getFrame: request.channels: expected 'all', 'labels' or a list of channel ids (integers ≥ 0), got "some"`);
    expect(() => checkFrameRequest('getFrame', { channels: [0, 0, 0, 0, 0] }, 4, CONT)).toThrow('getFrame: channels lists 5 ids but the frame has 4 channels');
    expect(() => checkFrameRequest('getFrame', { groupLabels: 1 }, 4, CONT)).toThrow('getFrame: request.groupLabels: expected boolean, received number');
    expect(() => checkFrameRequest('getFrame', 'labels', 4, CONT)).toThrow('getFrame: request: expected object, received string');
  });
});

describe('channel picking', () => {
  it('pickChannels copies the asked channels in the asked order', () => {
    const data = Float32Array.from({ length: 3 * 4 }, (_, i) => i);
    expect(Array.from(pickChannels(data, 4, [2, 0]))).toEqual([8, 9, 10, 11, 0, 1, 2, 3]);
    expect(pickChannels(data, 4, []).length).toBe(0);
  });

  it('oneHotChannels builds channel g·K + k of the one-hot frame from the class maps', () => {
    // 2 groups of 3 cells, K = 3.
    const maps = Uint8Array.from([0, 1, 2, 2, 2, 0]);
    // Channel 1 = group 0 class 1; channel 5 = group 1 class 2; channel 3 = group 1 class 0.
    expect(Array.from(oneHotChannels(maps, 3, 3, [1, 5, 3]))).toEqual([0, 1, 0, 1, 1, 0, 0, 0, 1]);
  });
});

describe('frameView', () => {
  const payload: FramePayload = {
    frame: { index: 0, channels: 2, height: 1, width: 2, data: Float32Array.from([1, 2, 3, 4]), labels: Uint8Array.from([1, 0]), meta: {} },
    groupMaps: Uint8Array.from([1, 0, 1, 1]),
  };

  it("sends everything by default, only the labels for 'labels', and group maps when asked", () => {
    const all = frameView(payload, { channels: 'all', groupLabels: false });
    expect(all.data).toBe(payload.frame.data);
    expect(all.dataChannels).toBeUndefined();
    expect(all.groupLabels).toBeUndefined();
    const labels = frameView(payload, { channels: 'labels', groupLabels: true });
    expect(labels.data.length).toBe(0);
    expect(labels.dataChannels).toEqual([]);
    expect(Array.from(labels.labels!)).toEqual([1, 0]);
    expect(Array.from(labels.groupLabels!)).toEqual([1, 0, 1, 1]);
    const one = frameView(payload, { channels: [1], groupLabels: false });
    expect(Array.from(one.data)).toEqual([3, 4]);
    expect(one.dataChannels).toEqual([1]);
    // The cached payload is not changed by a view.
    expect(payload.frame.data.length).toBe(4);
  });
});

describe('decodedView', () => {
  const enc = { ...classEncoding(2) };
  const K = enc.kind === 'classes' ? enc.numClasses : 0;
  const hw = 4;
  // Two groups over 2×2: truth and a reconstruction whose argmax differs in one cell of group 1.
  const oneHot = (maps: number[]) => {
    const a = new Float32Array(2 * K * hw);
    maps.forEach((c, j) => {
      const g = Math.floor(j / hw);
      a[(g * K + c) * hw + (j % hw)] = 1;
    });
    return a;
  };
  const truth = oneHot([11, 11, 4, 11, 17, 17, 17, 4]);
  const recon = oneHot([11, 11, 4, 11, 17, 4, 17, 4]);
  const shape = { channels: 2 * K, height: 2, width: 2 };

  it("class frames: 'labels' sends the top-down map, error and metrics without the one-hot tensor", () => {
    const p = compareFrames(3, recon, truth, shape, enc);
    const v = decodedView(p, { channels: 'labels', groupLabels: false });
    expect(v.data.length).toBe(0);
    // Top-down: group 1 where it is not free (17), else group 0.
    expect(Array.from(v.labels!)).toEqual([11, 4, 4, 4]);
    expect(Array.from(v.error)).toEqual([0, 0.5, 0, 0]);
    expect(v.metrics.miou).toBeGreaterThan(0);
    expect(v.groupLabels).toBeUndefined();
    expect(Array.from(decodedView(p, { channels: 'labels', groupLabels: true }).groupLabels!)).toEqual([11, 11, 4, 11, 17, 4, 17, 4]);
  });

  it("class frames: 'all' is the one-hot reconstruction compareToInput returns, a list picks its channels", () => {
    const p = compareFrames(3, recon, truth, shape, enc);
    const full = decodedView(p, { channels: 'all', groupLabels: false });
    expect(full.data).toEqual(compareToInput(3, recon, truth, shape, enc).data);
    expect(full.data).toEqual(recon);
    const some = decodedView(p, { channels: [K + 4, 11], groupLabels: false });
    expect(some.dataChannels).toEqual([K + 4, 11]);
    expect(Array.from(some.data)).toEqual([...recon.subarray((K + 4) * hw, (K + 5) * hw), ...recon.subarray(11 * hw, 12 * hw)]);
  });

  it('continuous frames: the asked channels of the reconstruction, with the full error map', () => {
    const t = Float32Array.from([0, 1, 2, 3, 10, 10, 10, 10]);
    const r = Float32Array.from([0, 1, 2, 5, 10, 10, 10, 10]);
    const p = compareFrames(0, r, t, { channels: 2, height: 2, width: 2 }, CONT);
    const v = decodedView(p, { channels: [1], groupLabels: false });
    expect(Array.from(v.data)).toEqual([10, 10, 10, 10]);
    expect(v.dataChannels).toEqual([1]);
    expect(Array.from(v.error)).toEqual([0, 0, 0, 2]);
    expect(v.metrics.mse).toBeCloseTo(4 / 8, 12);
    expect(decodedView(p, { channels: 'all', groupLabels: false }).data).toBe(r);
  });
});
