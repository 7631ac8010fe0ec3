import { describe, expect, it } from 'vitest';
import { channelSlot, frameImage, frameLabels, valueAt } from './frame-image';
import type { FrameLike } from './frame-image';
import { renderScalar } from './colormap';
import type { FrameEncoding } from '../../../../src-main/contract/index';

const CONT = { kind: 'continuous' } as const;
const CLASSES: FrameEncoding = {
  kind: 'classes',
  numClasses: 2,
  groups: 1,
  palette: [
    { id: 0, name: 'free', rgb: [0, 0, 0] },
    { id: 1, name: 'car', rgb: [255, 0, 0] },
  ],
};

// 3 channels of 1×2: channel c holds 10c, 10c + 1.
const whole: FrameLike = { channels: 3, height: 1, width: 2, data: Float32Array.from([0, 1, 10, 11, 20, 21]) };
const onlyTwo: FrameLike = { channels: 3, height: 1, width: 2, data: Float32Array.from([20, 21]), dataChannels: [2] };

describe('partial frames (only the picked channel sent)', () => {
  it('channelSlot and valueAt find a channel in whole and partial frames', () => {
    expect(channelSlot(whole, 2)).toBe(2);
    expect(channelSlot(onlyTwo, 2)).toBe(0);
    expect(channelSlot(onlyTwo, 1)).toBe(-1);
    expect(channelSlot(whole, 3)).toBe(-1);
    expect(valueAt(whole, 1, 1)).toBe(11);
    expect(valueAt(onlyTwo, 2, 1)).toBe(21);
    expect(valueAt(onlyTwo, 0, 1)).toBeUndefined();
  });

  it('frameImage draws the picked channel of a partial frame as of the whole one', () => {
    const range: [number, number] = [0, 30];
    expect(frameImage(onlyTwo, CONT, 2, 'viridis', range).rgba).toEqual(frameImage(whole, CONT, 2, 'viridis', range).rgba);
    expect(frameImage(onlyTwo, CONT, 2, 'viridis', range).rgba).toEqual(renderScalar(Float32Array.from([20, 21]), 2, 1, 'viridis', range).rgba);
  });

  it('a class frame sent as labels only is drawn from its labels; without labels it has none', () => {
    const f: FrameLike = { channels: 2, height: 1, width: 2, data: new Float32Array(0), dataChannels: [], labels: Uint8Array.from([1, 0]) };
    expect(Array.from(frameLabels(f, CLASSES)!)).toEqual([1, 0]);
    expect(Array.from(frameImage(f, CLASSES, 0, 'viridis').rgba.slice(0, 3))).toEqual([255, 0, 0]);
    expect(frameLabels({ ...f, labels: undefined }, CLASSES)).toBeNull();
  });
});
