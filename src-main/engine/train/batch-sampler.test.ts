import { describe, expect, it } from 'vitest';
import { BatchSampler } from './batch-sampler';
import type { FrameSequence } from '../../data/frame';

/** Frames whose every value encodes (frame, channel, row, col), so crops can be checked exactly. */
function codedSequence(T: number, C: number, H: number, W: number): FrameSequence {
  return {
    name: 'coded',
    length: T,
    channels: C,
    height: H,
    width: W,
    channelNames: Array.from({ length: C }, (_, i) => `c${i}`),
    encoding: { kind: 'continuous' },
    async getFrame(index: number) {
      const data = new Float32Array(C * H * W).map((_, i) => index * 1e6 + i);
      return { data, channels: C, height: H, width: W, channelNames: [], encoding: { kind: 'continuous' }, index, meta: {} };
    },
  };
}

describe('BatchSampler', () => {
  it('crops whole windows of the right frames, snapped to the downsampling factor', async () => {
    const seq = codedSequence(5, 2, 20, 24);
    const s = new BatchSampler(seq, 3, 10, 1, 4);
    expect([s.cropH, s.cropW]).toEqual([8, 8]);
    const b = await s.next();
    expect(b.shape).toEqual([3, 2, 8, 8]);
    for (let i = 0; i < 3; i++) {
      const f = b.frames[i]!;
      const first = b.data[i * 2 * 64]!;
      const off = first - f * 1e6; // c=0, row y0, col x0
      const y0 = Math.floor(off / 24);
      const x0 = off % 24;
      expect(y0 + 8).toBeLessThanOrEqual(20);
      expect(x0 + 8).toBeLessThanOrEqual(24);
      // channel 1, row 7, col 7 of the crop
      expect(b.data[i * 128 + 64 + 7 * 8 + 7]).toBe(f * 1e6 + 1 * 480 + (y0 + 7) * 24 + x0 + 7);
    }
  });

  it('batch t depends only on (seed, t): a sampler moved to position t draws the same batch', async () => {
    const seq = codedSequence(7, 1, 16, 16);
    const a = new BatchSampler(seq, 2, 8, 42);
    const batches = [await a.next(), await a.next(), await a.next()];
    const b = new BatchSampler(seq, 2, 8, 42);
    b.position = 2;
    expect(Array.from((await b.next()).data)).toEqual(Array.from(batches[2]!.data));
    const c = new BatchSampler(seq, 2, 8, 43);
    expect(Array.from((await c.next()).data)).not.toEqual(Array.from(batches[0]!.data));
  });

  it('whole frames when crop is 0, and a clear error for frames smaller than the factor', async () => {
    const seq = codedSequence(2, 1, 8, 8);
    expect((await new BatchSampler(seq, 1, 0, 1, 8).next()).shape).toEqual([1, 1, 8, 8]);
    expect(() => new BatchSampler(seq, 1, 0, 1, 16)).toThrow('batch sampler: frames of 8×8 are smaller than the downsampling factor 16');
  });
});
