import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { createProceduralSequence } from '../../data/procedural-scene';
import type { TrainConfig } from '../../contract';
import { decodeTokens, encodeSequence } from './encode-sequence';
import { InferenceWorker } from './inference-worker';
import { InferencePool } from './inference-pool';
import { toPlain } from '../train/snapshot';

const seq = createProceduralSequence({ seed: 4, frames: 5, size: 32 });
const cfg = (kind: 'vq' | 'rvq'): TrainConfig => ({
  model: { inChannels: seq.channels, hidden: 8, latentDim: 4, stages: 2 },
  quantizer: kind === 'vq' ? { kind, codebookSize: 16 } : { kind, codebookSize: 8, depth: 2 },
  learningRate: 1e-3,
  steps: 1,
  batchSize: 2,
  crop: 0,
  seed: 9,
  checkpointEvery: 0,
});

describe('whole-sequence inference', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('reads the next batch while this one encodes, and a frame that fails to load fails the encode with its message (no unhandled rejection)', async () => {
    const tok = new Tokenizer(cfg('vq'), seq.encoding);
    const requested: Array<[number, number]> = [];
    let encodedBatches = 0;
    const failing = {
      ...seq,
      getFrame: (i: number) => {
        requested.push([i, encodedBatches]);
        return i === 3 ? Promise.reject(new Error('frame 3: truncated file')) : seq.getFrame(i);
      },
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(encodeSequence(tok, failing, { batchSize: 2, onProgress: () => encodedBatches++ })).rejects.toThrow('frame 3: truncated file');
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
      tok.dispose();
    }
    // Frames 2 and 3 (batch 2) were requested before batch 1 had been encoded.
    expect(requested.slice(0, 4)).toEqual([[0, 0], [1, 0], [2, 0], [3, 0]]);
    expect(encodedBatches).toBe(1);
    expect(unhandled).toEqual([]);
  });

  for (const kind of ['vq', 'rvq'] as const) {
    it(`${kind}: batched encode equals frame-by-frame encode; decode gives frames in class-probability space`, async () => {
      const tok = new Tokenizer(cfg(kind), seq.encoding);
      const calls: Array<[number, number]> = [];
      const before = tf.memory().numTensors;
      const set = await encodeSequence(tok, seq, { batchSize: 2, onProgress: (d, t) => calls.push([d, t]) });
      const depth = kind === 'rvq' ? 2 : 1;
      expect([set.frames, set.h, set.w, set.depth]).toEqual([5, 8, 8, depth]);
      expect(calls).toEqual([
        [2, 5],
        [4, 5],
        [5, 5],
      ]);
      // Frame 3 alone must give the same ids as in its batch.
      const f = await seq.getFrame(3);
      const x = tf.tensor4d(f.data, [1, seq.channels, 32, 32]);
      const one = tok.encode(x);
      const ids = await one.indices.data();
      expect(Array.from(ids)).toEqual(Array.from(set.tokens.subarray(3 * 64 * depth, 4 * 64 * depth)));
      tf.dispose([x, one.indices, one.quantError]);
      const frames = await decodeTokens(tok, set, { batchSize: 3 });
      expect(frames).toHaveLength(5);
      expect(frames[0]!.length).toBe(seq.channels * 32 * 32);
      // Probabilities over each cell's classes sum to 1.
      let s = 0;
      for (let c = 0; c < seq.channels; c++) s += frames[0]![c * 1024 + 77]!;
      expect(s).toBeCloseTo(1, 4);
      expect(tf.memory().numTensors).toBe(before);
      tok.dispose();
    });
  }

  it('rejects token ids outside the codebook with a clear error', async () => {
    const tok = new Tokenizer(cfg('vq'), seq.encoding);
    const tokens = new Int32Array(64).fill(3);
    tokens[10] = 16;
    await expect(decodeTokens(tok, { tokens, frames: 1, h: 8, w: 8, depth: 1 })).rejects.toThrow(/token id 16 at position 10 is outside 0..15/);
    tok.dispose();
  });

  it('the inference worker encodes and decodes off the main thread with the same results', async () => {
    const tok = new Tokenizer(cfg('vq'), seq.encoding);
    const local = await encodeSequence(tok, seq);
    const sd = tok.stateDict();
    const weights: Record<string, Awaited<ReturnType<typeof toPlain>>> = {};
    for (const [k, t] of Object.entries(sd)) weights[k] = await toPlain(t);
    tf.dispose(Object.values(sd));
    // TensorFlow.js in the workers: bit-identical to this thread (ONNX Runtime's agreement is onnx-encoder.test.ts's).
    const worker = await InferenceWorker.create({ config: cfg('vq'), encoding: seq.encoding, weights, encodeEngine: 'tfjs' });
    try {
      expect(worker.backend?.name).toBe('wasm');
      const progress: number[] = [];
      const remote = await worker.encode({ kind: 'procedural', options: { seed: 4, frames: 5, size: 32 } }, { onProgress: (d) => progress.push(d) });
      expect(Array.from(remote.tokens)).toEqual(Array.from(local.tokens));
      expect(progress.at(-1)).toBe(5);
      const decoded = await worker.decode(remote);
      const localDecoded = await decodeTokens(tok, local);
      expect(decoded).toHaveLength(5);
      let diff = 0;
      for (let i = 0; i < decoded[4]!.length; i++) diff = Math.max(diff, Math.abs(decoded[4]![i]! - localDecoded[4]![i]!));
      expect(diff).toBeLessThan(1e-6);
    } finally {
      await worker.dispose();
    }

    // Two workers, each a slice of the frames: the same tokens in the same order.
    const pool = await InferencePool.create({ config: cfg('vq'), encoding: seq.encoding, weights, workers: 2, encodeEngine: 'tfjs' });
    try {
      const progress: number[] = [];
      const pooled = await pool.encode({ kind: 'procedural', options: { seed: 4, frames: 5, size: 32 } }, 5, { batchSize: 2, onProgress: (d) => progress.push(d) });
      expect(Array.from(pooled.tokens)).toEqual(Array.from(local.tokens));
      expect(Array.from(pooled.quantError)).toEqual(Array.from(local.quantError));
      expect(Math.max(...progress)).toBe(5);
      // In-memory frames are sliced per worker: still the same tokens.
      const mem = await Promise.all(Array.from({ length: 5 }, async (_, i) => (await seq.getFrame(i)).data));
      const fromMemory = await pool.encode(
        { kind: 'frames', name: 'mem', channels: seq.channels, height: 32, width: 32, channelNames: seq.channelNames, encoding: seq.encoding, frames: mem },
        5,
      );
      expect(Array.from(fromMemory.tokens)).toEqual(Array.from(local.tokens));
      // Two in-memory encodes at once share the pool's staging memory: each must still get its
      // own frames' tokens (the reversed sequence gives the tokens frame-reversed).
      const memSource = { kind: 'frames' as const, name: 'mem', channels: seq.channels, height: 32, width: 32, channelNames: seq.channelNames, encoding: seq.encoding };
      const [fwd, rev] = await Promise.all([
        pool.encode({ ...memSource, frames: mem }),
        pool.encode({ ...memSource, frames: [...mem].reverse() }),
      ]);
      expect(Array.from(fwd.tokens)).toEqual(Array.from(local.tokens));
      const reversed = Array.from({ length: 5 }, (_, i) => Array.from(local.tokens.subarray((4 - i) * 64, (5 - i) * 64))).flat();
      expect(Array.from(rev.tokens)).toEqual(reversed);
      // Without a frame count the pool asks a worker to open the source and count them.
      const counted = await pool.encode({ kind: 'procedural', options: { seed: 4, frames: 5, size: 32 } });
      expect(counted.frames).toBe(5);
      expect(Array.from(counted.tokens)).toEqual(Array.from(local.tokens));
      const frames = await pool.decode(pooled);
      expect(frames).toHaveLength(5);
      const localDecoded = await decodeTokens(tok, local);
      expect(Array.from(frames[3]!.subarray(0, 50))).toEqual(Array.from(localDecoded[3]!.subarray(0, 50)));
    } finally {
      await pool.dispose();
      tok.dispose();
    }
  });

  it('encodes a frame range [start, end) only', async () => {
    const tok = new Tokenizer(cfg('vq'), seq.encoding);
    const all = await encodeSequence(tok, seq);
    const part = await encodeSequence(tok, seq, { range: [2, 4] });
    expect(part.frames).toBe(2);
    expect(Array.from(part.tokens)).toEqual(Array.from(all.tokens.subarray(2 * 64, 4 * 64)));
    await expect(encodeSequence(tok, seq, { range: [3, 9] })).rejects.toThrow(/frame range \[3, 9\) is not within 0..5/);
    tok.dispose();
  });
});
