/**
 * Staging memory kept between whole-sequence encodes: the next encode reuses it (no fresh
 * multi-MiB arrays), the smallest large-enough buffer is picked, a failed encode with a read in
 * flight does not give its buffers back, and the kept memory is dropped after the idle time.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { createProceduralSequence } from '../../data/procedural-scene';
import type { FrameSequence } from '../../data/frame';
import type { TrainConfig } from '../../contract';
import { encodeSequence } from './encode-sequence';
import { dropStaging, giveBackStaging, keptStaging, STAGING_KEEP_MS, takeStaging } from './staging-memory';

const seq = createProceduralSequence({ seed: 4, frames: 7, size: 32 });
const PER = seq.channels * 32 * 32;
const cfg: TrainConfig = {
  model: { inChannels: seq.channels, hidden: 8, latentDim: 4, stages: 2 },
  quantizer: { kind: 'vq', codebookSize: 16 },
  learningRate: 1e-3,
  steps: 1,
  batchSize: 2,
  crop: 0,
  seed: 9,
  checkpointEvery: 0,
};

/** The procedural frames behind a readFramesInto that records the buffers it fills. */
function intoSequence(filled: ArrayBufferLike[], fail?: number): FrameSequence {
  return {
    ...seq,
    async readFramesInto(start: number, count: number, dst: Float32Array) {
      filled.push(dst.buffer);
      if (start === fail) throw new Error(`frame ${start}: unreadable`);
      for (let i = 0; i < count; i++) dst.set((await seq.getFrame(start + i)).data, i * PER);
    },
  };
}

beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
});
afterEach(() => {
  dropStaging();
  vi.useRealTimers();
});

describe('staging memory kept between encodes', () => {
  it('the next encode reuses the buffers of the last one and gives the same tokens', async () => {
    const tok = new Tokenizer(cfg, seq.encoding);
    try {
      const want = await encodeSequence(tok, seq, { batchSize: 3 });
      dropStaging();
      const first: ArrayBufferLike[] = [];
      const a = await encodeSequence(tok, intoSequence(first), { batchSize: 3 });
      expect(Array.from(a.tokens)).toEqual(Array.from(want.tokens));
      // Two buffers alternate: batches 0, 2 in one, 1 in the other.
      expect(new Set(first).size).toBe(2);
      expect(first[0]).toBe(first[2]);
      expect(keptStaging()).toBe(3 * PER + 3 * PER);
      const second: ArrayBufferLike[] = [];
      const b = await encodeSequence(tok, intoSequence(second), { batchSize: 3 });
      expect(Array.from(b.tokens)).toEqual(Array.from(want.tokens));
      expect(new Set(second)).toEqual(new Set(first));
    } finally {
      tok.dispose();
    }
  });

  it('a failed encode does not give back buffers a read may still land in', async () => {
    const tok = new Tokenizer(cfg, seq.encoding);
    try {
      const filled: ArrayBufferLike[] = [];
      await expect(encodeSequence(tok, intoSequence(filled, 3), { batchSize: 3 })).rejects.toThrow('frame 3: unreadable');
      expect(filled.length).toBeGreaterThan(0);
      expect(keptStaging()).toBe(0);
    } finally {
      tok.dispose();
    }
  });

  it('takes the smallest kept buffer that is large enough, and drops them all after the idle time', () => {
    vi.useFakeTimers();
    const small = takeStaging(100);
    const big = takeStaging(1000);
    giveBackStaging(small, big);
    const got = takeStaging(50);
    expect(got.buffer).toBe(small.buffer);
    expect(got.length).toBe(50);
    // None large enough: a fresh one.
    const fresh = takeStaging(5000);
    expect(fresh.buffer).not.toBe(big.buffer);
    giveBackStaging(got, fresh);
    // Only the two largest are kept.
    expect(keptStaging()).toBe(5000 + 1000);
    vi.advanceTimersByTime(STAGING_KEEP_MS + 1);
    expect(keptStaging()).toBe(0);
  });
});
