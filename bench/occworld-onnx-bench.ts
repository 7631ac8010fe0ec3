/**
 * The ONNX Runtime part of `bench/occworld-bench.ts`: OccWorld encode frames/s with an
 * OnnxEncoder on one thread (the session a worker holds), and with an InferencePool of
 * OCCWORLD_BENCH_POOL workers (default 2; 0 skips it) encoding on ONNX Runtime. Not a test.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FrameSequence } from '../src-main/data/frame';
import { InferencePool } from '../src-main/engine/infer/inference-pool';
import { OnnxEncoder } from '../src-main/engine/onnx/onnx-encoder';
import type { Tokenizer } from '../src-main/engine/tokenizer';
import { toPlain } from '../src-main/engine/train/snapshot';

export interface OnnxEncodeFigures {
  version: string;
  oneThreadFps: number;
  poolFps: number | null;
  poolWorkers: number;
}

const POOL = Number(process.env.OCCWORLD_BENCH_POOL ?? 2);

export async function benchOnnxEncode(tok: Tokenizer, seq: FrameSequence, frame: Float32Array, encodes: number): Promise<OnnxEncodeFigures | { skipped: string }> {
  const enc = await OnnxEncoder.create(tok);
  if ('refused' in enc) return { skipped: enc.refused };
  const shape: [number, number, number, number] = [1, seq.channels, seq.height, seq.width];
  await enc.encodeBatch(frame, shape);
  const t0 = performance.now();
  for (let i = 0; i < encodes; i++) await enc.encodeBatch(frame, shape);
  const oneThreadFps = encodes / ((performance.now() - t0) / 1000);
  const version = enc.version;
  await enc.dispose();
  if (POOL <= 0) return { version, oneThreadFps, poolFps: null, poolWorkers: 0 };

  const sd = tok.stateDict();
  const weights: Record<string, Awaited<ReturnType<typeof toPlain>>> = {};
  for (const [k, t] of Object.entries(sd)) weights[k] = await toPlain(t);
  tf.dispose(Object.values(sd));
  const pool = await InferencePool.create({ config: tok.cfg, encoding: seq.encoding, weights, workers: POOL, backend: { prefer: ['wasm'] }, encodeEngine: 'onnxruntime' });
  try {
    // The frame repeated: each worker encodes its slice (encodes frames a worker, at least one).
    const n = POOL * Math.max(1, encodes);
    const source = { kind: 'frames' as const, name: 'bench', channels: seq.channels, height: seq.height, width: seq.width, channelNames: seq.channelNames, encoding: seq.encoding };
    await pool.encode({ ...source, frames: Array.from({ length: POOL }, () => frame) });
    const t1 = performance.now();
    await pool.encode({ ...source, frames: Array.from({ length: n }, () => frame) });
    return { version, oneThreadFps, poolFps: n / ((performance.now() - t1) / 1000), poolWorkers: pool.workers.length };
  } finally {
    await pool.dispose();
  }
}
