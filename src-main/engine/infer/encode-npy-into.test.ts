/**
 * encodeSequence over a lazily read .npy uses `readFramesInto` (batches read straight into two
 * staging buffers, the next batch's read overlapping this batch's encode) and gives exactly the
 * tokens it gives over the same frames in memory: all frames, a range, a batch size that does not
 * divide T, an asynchronous engine that holds its batch while the next one is read, ONNX Runtime.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import type { TrainConfig } from '../../contract';
import { sequenceFromArray } from '../../data/array-sequence';
import type { FrameSequence } from '../../data/frame';
import { writeNpy } from '../../data/npy';
import { openNpySequence } from '../../data/npy-lazy-sequence';
import { encodeSequence, type BatchEncoder } from './encode-sequence';
import { loadOnnxRuntime } from '../onnx/onnx-runtime';
import { OnnxEncoder } from '../onnx/onnx-encoder';

const T = 11;
const C = 3;
const S = 32;
const PER = C * S * S;
const cfg: TrainConfig = {
  model: { inChannels: C, hidden: 8, latentDim: 4, stages: 2 },
  quantizer: { kind: 'vq', codebookSize: 16 },
  learningRate: 1e-3,
  steps: 1,
  batchSize: 2,
  crop: 0,
  seed: 9,
  checkpointEvery: 0,
};
const ort = loadOnnxRuntime();
const withOrt = 'error' in ort ? it.skip : it;

let dir = '';
let file = '';
let data: Float32Array;
let tok: Tokenizer;

/** The same frames in memory (the whole-array path) and read lazily from the file. */
async function both(): Promise<{ mem: FrameSequence; lazy: FrameSequence }> {
  const mem = sequenceFromArray({ dtype: 'float32', shape: [T, C, S, S], data }, file);
  const lazy = await openNpySequence(file, { cacheFrames: 0 });
  expect(mem.readFramesInto).toBeUndefined();
  expect(lazy.readFramesInto).toBeTypeOf('function');
  return { mem, lazy };
}

beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = mkdtempSync(path.join(tmpdir(), 'encode-npy-into-'));
  file = path.join(dir, 'seq.npy');
  data = new Float32Array(T * PER);
  // Frames that differ, so that a frame read into the wrong place gives other tokens.
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.013 + Math.floor(i / PER) * 1.7) * 2;
  await writeNpy(file, data, [T, C, S, S]);
  tok = new Tokenizer(cfg, { kind: 'continuous' });
});
afterAll(() => {
  tok.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('encodeSequence over a lazily read .npy', () => {
  it('reads batches with readFramesInto (not getFrame) and gives the in-memory tokens: all frames, a range, B not dividing T', async () => {
    const { mem, lazy } = await both();
    const into = vi.spyOn(lazy as Required<FrameSequence>, 'readFramesInto');
    const getFrame = vi.spyOn(lazy, 'getFrame');
    const before = tf.memory().numTensors;
    for (const [B, range] of [
      [4, undefined],
      [3, [2, 9]],
      [8, [1, 11]],
      [1, [5, 6]],
    ] as const) {
      into.mockClear();
      const opts = { batchSize: B, ...(range ? { range: [range[0], range[1]] as [number, number] } : {}) };
      const progress: number[] = [];
      const want = await encodeSequence(tok, mem, opts);
      const got = await encodeSequence(tok, lazy, { ...opts, onProgress: (d) => progress.push(d) });
      expect(got.frames).toBe(want.frames);
      expect(Array.from(got.tokens)).toEqual(Array.from(want.tokens));
      expect(Array.from(got.quantError)).toEqual(Array.from(want.quantError));
      // One read per batch, of the batch's frames, in order.
      const [a, b] = range ?? [0, T];
      const batches = Array.from({ length: Math.ceil((b - a) / B) }, (_, k) => [a + k * B, Math.min(B, b - a - k * B)]);
      expect(into.mock.calls.map(([s, n]) => [s, n])).toEqual(batches);
      expect(progress.at(-1)).toBe(b - a);
    }
    expect(getFrame).not.toHaveBeenCalled();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads batch k + 1 while batch k encodes, and an engine holding its batch meanwhile still gets its own frames', async () => {
    const { mem, lazy } = await both();
    const want = await encodeSequence(tok, mem, { batchSize: 3 });
    const events: string[] = [];
    const real = lazy.readFramesInto!.bind(lazy);
    lazy.readFramesInto = async (start, count, dst) => {
      events.push(`read ${start}`);
      await real(start, count, dst);
    };
    // An asynchronous engine (as ONNX Runtime is): it looks at its frames only after the next
    // batch's read has had time to land. Overwriting a batch in use would change its tokens.
    const slow: BatchEncoder = async (frames, shape) => {
      events.push(`encode ${shape[0]}`);
      await new Promise((r) => setTimeout(r, 30));
      const x = tf.tensor4d(frames.slice(), shape);
      const r = tok.encode(x);
      try {
        const [ids, error] = await Promise.all([r.indices.data<'int32'>(), r.quantError.data<'float32'>()]);
        return { ids: ids as Int32Array, error: error as Float32Array };
      } finally {
        tf.dispose([x, r.indices, r.quantError]);
      }
    };
    const got = await encodeSequence(tok, lazy, { batchSize: 3 }, slow);
    expect(Array.from(got.tokens)).toEqual(Array.from(want.tokens));
    // The next batch is asked for before this one is encoded; never two batches ahead.
    expect(events).toEqual(['read 0', 'read 3', 'encode 3', 'read 6', 'encode 3', 'read 9', 'encode 3', 'encode 2']);
  });

  it('a NaN in frame 3 fails the encode naming file[3]; an aborted encode stops', async () => {
    const bad = data.slice();
    bad[3 * PER + 100] = NaN;
    const badFile = path.join(dir, 'nan.npy');
    await writeNpy(badFile, bad, [T, C, S, S]);
    const lazy = await openNpySequence(badFile, { cacheFrames: 0 });
    await expect(encodeSequence(tok, lazy, { batchSize: 2 })).rejects.toThrow(/nan\.npy\[3\]: 1 non-finite values \(1 NaN, 0 \+Inf, 0 −Inf\), first at \[0, 3, 4\]/);
    // Frames before 3 encode.
    expect((await encodeSequence(tok, lazy, { range: [0, 3] })).frames).toBe(3);
    const ctl = new AbortController();
    ctl.abort();
    await expect(encodeSequence(tok, lazy, { signal: ctl.signal })).rejects.toThrow(/cancelled/);
  });

  withOrt('on ONNX Runtime: the file gives the tokens the same frames in memory give', async () => {
    const enc = await OnnxEncoder.create(tok);
    if ('refused' in enc) throw new Error(enc.refused);
    try {
      const { mem, lazy } = await both();
      for (const opts of [{ batchSize: 4 }, { batchSize: 3, range: [1, 10] as [number, number] }]) {
        const want = await encodeSequence(tok, mem, opts, enc.encodeBatch);
        const got = await encodeSequence(tok, lazy, opts, enc.encodeBatch);
        expect(Array.from(got.tokens)).toEqual(Array.from(want.tokens));
        expect(Array.from(got.quantError)).toEqual(Array.from(want.quantError));
      }
    } finally {
      await enc.dispose();
    }
  });
});
