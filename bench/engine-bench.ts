import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeNpy } from '../src-main/data/npy';
import type { TrainConfig } from '../src-main/contract';
import { Tokenizer } from '../src-main/engine/tokenizer';
import { VectorQuantizer } from '../src-main/engine/quantizers/vq';
import { Trainer } from '../src-main/engine/train/trainer';
import { plainWeights } from '../src-main/engine/train/snapshot';
import { InferencePool } from '../src-main/engine/infer/inference-pool';
import { Rng } from '../src-main/util/rng';

/**
 * The reference step of issue 2: batch 8 of 64×64×16 frames, VQ with K = 512, D = 32, the
 * reference architecture (hidden 64, 2 stages → 16×16 tokens). Times training steps and
 * encoding on the active backend. The PyTorch twin is bench/torch_ref.py (same shapes).
 */
export interface EngineBenchOptions {
  batch: number;
  size: number;
  channels: number;
  hidden: number;
  latent: number;
  codebook: number;
  stages: number;
  steps: number;
  warmup: number;
  encodeFrames: number;
  encodeBatch: number;
  /** Encode timings cover this many passes over the frames (one pass is ~0.2–0.4 s: noisy). */
  encodePasses: number;
}

export const REFERENCE: EngineBenchOptions = {
  batch: 8,
  size: 64,
  channels: 16,
  hidden: 64,
  latent: 32,
  codebook: 512,
  stages: 2,
  steps: 8,
  warmup: 2,
  encodeFrames: 128,
  encodeBatch: 16,
  encodePasses: 3,
};

/**
 * An Occ3D-size tokenizer: 200×200 frames to 50×50 tokens (two 2× stages), 128 input channels as
 * OccWorld's class embedding folded over 16 heights gives, latent 64, K = 512. Few steps and
 * frames: on 2 CPU cores one step takes seconds.
 */
export const OCC3D_SIZE: EngineBenchOptions = {
  batch: 4,
  size: 200,
  channels: 128,
  hidden: 64,
  latent: 64,
  codebook: 512,
  stages: 2,
  steps: 3,
  warmup: 1,
  encodeFrames: 16,
  encodeBatch: 4,
  encodePasses: 1,
};

export interface EngineBenchResult {
  backend: string;
  stepMs: number;
  /** One thread (tokenizer.encode in this process). */
  encodeFps: number;
  /**
   * Whole-sequence encoding with an InferencePool (one worker per core, at most 4) of frames in
   * memory: they cross to the workers on every encode. The pool is started and warmed first
   * (one whole-sequence encode), as PyTorch's figure excludes its start and first batch.
   */
  poolEncodeFps: number;
  poolWorkers: number;
  /** Starting the pool: spawning the workers, initialising their backends, loading the weights. */
  poolStartMs: number;
  /** The service's path: the same frames in a .npy file that every worker opens and reads itself. */
  poolFileEncodeFps: number;
  /** The same pool encoding with ONNX Runtime (the default engine on a CPU backend), or why not. */
  onnx: PoolFigures | string;
}

export interface PoolFigures {
  fps: number;
  fileFps: number;
  startMs: number;
  workers: number;
  /** The engine as the workers name it (e.g. "ONNX Runtime 1.30.0 (CPU)"). */
  engine: string;
}

/** The benchmarked tokenizer's config: the preset's reference model with a plain VQ. */
export function benchConfig(o: EngineBenchOptions): TrainConfig {
  return {
    model: { inChannels: o.channels, hidden: o.hidden, latentDim: o.latent, stages: o.stages },
    quantizer: { kind: 'vq', codebookSize: o.codebook },
    learningRate: 1e-3,
    steps: o.steps + o.warmup,
    batchSize: o.batch,
    crop: 0,
    seed: 0,
    checkpointEvery: 0,
  };
}

/**
 * The encode benchmark's frames `[encodeFrames, C, H, W]` two ways: as in-memory frames (a
 * `frames` source) and as a `.npy` file written in `dir` that each worker opens itself.
 */
export async function benchFrameSources(o: EngineBenchOptions, frames: Float32Array, dir: string) {
  const per = o.channels * o.size * o.size;
  const source = {
    kind: 'frames' as const,
    name: 'bench',
    channels: o.channels,
    height: o.size,
    width: o.size,
    channelNames: Array.from({ length: o.channels }, (_, i) => `c${i}`),
    encoding: { kind: 'continuous' as const },
    frames: Array.from({ length: o.encodeFrames }, (_, i) => frames.slice(i * per, (i + 1) * per)),
  };
  const file = path.join(dir, 'frames.npy');
  await writeNpy(file, frames, [o.encodeFrames, o.channels, o.size, o.size]);
  return { source, file };
}

export async function runEngineBench(o: EngineBenchOptions = REFERENCE): Promise<EngineBenchResult> {
  const cfg = benchConfig(o);
  const quantizer = new VectorQuantizer({ dim: o.latent, codebookSize: o.codebook, seed: 0 });
  const tokenizer = new Tokenizer(cfg, { kind: 'continuous' }, quantizer);
  const trainer = new Trainer(tokenizer, cfg);
  const rng = new Rng(1);
  const data = new Float32Array(o.batch * o.channels * o.size * o.size).map(() => rng.next());
  const batch = { data, shape: [o.batch, o.channels, o.size, o.size] as [number, number, number, number], frames: [] };

  for (let i = 0; i < o.warmup; i++) await trainer.trainStep(batch);
  let t0 = performance.now();
  for (let i = 0; i < o.steps; i++) await trainer.trainStep(batch);
  const stepMs = (performance.now() - t0) / o.steps;

  const frames = new Float32Array(o.encodeFrames * o.channels * o.size * o.size).map(() => rng.next());
  const per = o.channels * o.size * o.size;
  const encodeBatch = async (start: number) => {
    const n = Math.min(o.encodeBatch, o.encodeFrames - start);
    const x = tf.tensor4d(frames.subarray(start * per, (start + n) * per), [n, o.channels, o.size, o.size]);
    const r = tokenizer.encode(x);
    await r.indices.data();
    tf.dispose([x, r.indices, r.quantError]);
  };
  await encodeBatch(0);
  t0 = performance.now();
  for (let pass = 0; pass < o.encodePasses; pass++) {
    for (let s = 0; s < o.encodeFrames; s += o.encodeBatch) await encodeBatch(s);
  }
  const encodeFps = (o.encodePasses * o.encodeFrames) / ((performance.now() - t0) / 1000);

  // The product's path: a pool of inference workers, each encoding a slice of the sequence.
  const weights = await plainWeights(tokenizer);
  trainer.dispose();
  tokenizer.dispose();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tokenscope-bench-'));
  try {
    const { source, file } = await benchFrameSources(o, frames, dir);
    const timePool = async (encodeEngine: 'tfjs' | 'onnxruntime'): Promise<PoolFigures> => {
      let t = performance.now();
      const pool = await InferencePool.create({ config: cfg, encoding: { kind: 'continuous' }, weights, backend: { prefer: [tf.getBackend() as 'wasm'] }, encodeEngine });
      const startMs = performance.now() - t;
      try {
        await pool.encode(source, o.encodeFrames, { batchSize: o.encodeBatch }); // warm-up (workers compile their kernels)
        t = performance.now();
        for (let pass = 0; pass < o.encodePasses; pass++) await pool.encode(source, o.encodeFrames, { batchSize: o.encodeBatch });
        const fps = (o.encodePasses * o.encodeFrames) / ((performance.now() - t) / 1000);
        // As the service encodes an opened file: each worker opens it, reads and checks its frames.
        // Warmed up like the in-memory path: the first pass also pays for the staging buffers'
        // first-touch page faults, which a long job pays once.
        await pool.encode({ kind: 'path', path: file }, undefined, { batchSize: o.encodeBatch });
        t = performance.now();
        for (let pass = 0; pass < o.encodePasses; pass++) await pool.encode({ kind: 'path', path: file }, undefined, { batchSize: o.encodeBatch });
        const fileFps = (o.encodePasses * o.encodeFrames) / ((performance.now() - t) / 1000);
        return { fps, fileFps, startMs, workers: pool.workers.length, engine: pool.encodeEngine?.detail ?? encodeEngine };
      } finally {
        await pool.dispose();
      }
    };
    const tfjsPool = await timePool('tfjs');
    // ONNX Runtime encodes on the CPU only, and only where the package loads.
    const onnx = tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu' ? await timePool('onnxruntime').catch((err: unknown) => (err instanceof Error ? err.message : String(err))) : 'not a CPU backend';
    return {
      backend: tf.getBackend(),
      stepMs,
      encodeFps,
      poolEncodeFps: tfjsPool.fps,
      poolWorkers: tfjsPool.workers,
      poolStartMs: tfjsPool.startMs,
      poolFileEncodeFps: tfjsPool.fileFps,
      onnx,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
