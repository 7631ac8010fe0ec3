/**
 * Every kernel the engine runs has a WebGPU implementation: the engine's workloads (a training
 * step and an encode/decode of every quantizer kind, on class and continuous frames, and a
 * predictor step) run on wasm under tf.profile, which names each kernel executed, forward and
 * backward; each name must then be registered for 'webgpu'. Needs no GPU: tfjs-backend-webgpu
 * registers its kernels on import, whether or not an adapter exists. Gradients are
 * backend-independent (tfjs-core's registry), so a gradient that runs on wasm runs on webgpu.
 * Measured with tfjs 4.22: none missing (webgpu has the Conv2DBackpropFilter / BatchMatMul that
 * wasm-kernels.ts adds to wasm, so those wasm-only fast paths stay wasm-only).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { describe, expect, it } from 'vitest';
import type { QuantizerConfig, TrainConfig } from '../../contract';
import { createProceduralSequence } from '../../data/procedural-scene';
import { NextFramePredictor } from '../predict/next-frame-model';
import { NextFrameSampler } from '../predict/next-frame-sampler';
import { resolvePredictorConfig } from '../predict/predictor-config';
import { PredictorTrainer } from '../predict/predictor-trainer';
import { Tokenizer } from '../tokenizer';
import { Trainer } from '../train/trainer';
import { initBackend } from './init-backend';

await initBackend({ prefer: ['wasm'] });

const quantizers: QuantizerConfig[] = [
  { kind: 'vq', codebookSize: 8, kmeansInit: true, deadCodeThreshold: 1, reseed: 'random' },
  { kind: 'vq', codebookSize: 8, ema: true, cosine: true, entropyWeight: 0.1, reseed: 'largest-error' },
  { kind: 'fsq', levels: [5, 3, 3, 3] },
  { kind: 'lfq', entropyWeight: 0.1 },
  { kind: 'bsq' },
  { kind: 'rvq', codebookSize: 8, depth: 2 },
  { kind: 'gvq', codebookSize: 8, depth: 2 },
  { kind: 'rfsq', levels: [5, 3, 3, 3], depth: 2 },
  { kind: 'rlfq', depth: 2, entropyWeight: 0.1 },
  { kind: 'mhvq', codebookSize: 8, depth: 2, projection: 'learned', compose: 'sum', disentangleWeight: 0.1, ema: true },
  // The codebook objectives (codebook-objectives.ts): topk, eye, logSumExp and the rest, forward and backward.
  { kind: 'vq', codebookSize: 8, ema: false, objectives: { orthogonal: 1, orthogonalMaxCodes: 4, norm: 1, repulsion: 1, varianceHinge: 1, infonce: 1, vicregVariance: 1, vicregCovariance: 1 } },
  // Codebook dynamics: split reseeding by count and steps, noise, jitter, rotation trick, β schedule.
  { kind: 'vq', codebookSize: 8, deadCodeThreshold: 0.5, deadAfterSteps: 1, reseed: 'split', reseedNoise: 0.01, jitter: 0.01, rotationTrick: true, betaSchedule: { start: 1, end: 0.25, steps: 2 } },
  { kind: 'vq', codebookSize: 8, ema: true, deadAfterSteps: 1, reseed: 'random', reseedPool: 'reservoir', reseedPoolSize: 16 },
];

async function kernelsOf(f: () => Promise<unknown>): Promise<string[]> {
  const info = await tf.profile(async () => {
    await f();
    return tf.scalar(0);
  });
  // tf.profile also names custom-gradient and tidy scopes ("unnamed scope", "logSoftmax__op"):
  // keep what really ran as a kernel here.
  return info.kernelNames.filter((k) => tf.getKernel(k, 'wasm'));
}

async function tokenizerWorkload(q: QuantizerConfig, classes: boolean): Promise<void> {
  const seq = createProceduralSequence({ seed: 1, frames: 2, size: 16 });
  const cfg: TrainConfig = {
    model: { inChannels: classes ? seq.channels : 3, hidden: 4, latentDim: 4, stages: 2 },
    quantizer: q,
    learningRate: 1e-3,
    steps: 2,
    batchSize: 2,
    crop: 0,
    seed: 1,
    checkpointEvery: 0,
  };
  const tok = new Tokenizer(cfg, classes ? seq.encoding : { kind: 'continuous' });
  const trainer = new Trainer(tok, cfg);
  const x = classes
    ? tf.tensor4d(new Float32Array([...(await seq.getFrame(0)).data, ...(await seq.getFrame(1)).data]), [2, seq.channels, 16, 16])
    : (tf.randomUniform([2, 3, 16, 16], 0, 1, 'float32', 2) as tf.Tensor4D);
  for (let i = 0; i < 2; i++) await trainer.trainStep(x);
  const enc = tok.encode(x);
  const rec = tok.reconstruct(x);
  await Promise.all([enc.indices.data(), rec.data()]);
  tf.dispose([x, enc.indices, enc.quantError, rec]);
  trainer.dispose();
  tok.dispose();
}

async function predictorWorkload(): Promise<void> {
  const K = 12;
  const data = Int32Array.from({ length: 6 * 4 * 5 }, (_, i) => (i * 7) % K);
  const model = new NextFramePredictor(resolvePredictorConfig({ codebookSize: K, depth: 1, h: 4, w: 5, dim: 16, heads: 2, layers: 1 }));
  const trainer = new PredictorTrainer(model, 1e-2);
  const sampler = new NextFrameSampler([{ data, frames: 6, h: 4, w: 5, depth: 1, codebookSize: K }], 2, 5);
  await trainer.trainStep(sampler.batch(2));
  trainer.dispose();
  model.dispose();
}

const used = new Set<string>();
for (const q of quantizers) for (const classes of [true, false]) for (const k of await kernelsOf(() => tokenizerWorkload(q, classes))) used.add(k);
for (const k of await kernelsOf(predictorWorkload)) used.add(k);
const missing = [...used].filter((k) => !tf.getKernel(k, 'webgpu')).sort();

describe('WebGPU kernel coverage of the engine', () => {
  it(`every kernel of training, encoding, decoding and prediction has a webgpu kernel (${used.size} used; missing: [${missing.join(', ')}])`, () => {
    expect(used.size).toBeGreaterThan(30);
    expect(used.has('Conv2DBackpropFilter')).toBe(true);
    expect(missing).toEqual([]);
  });
});
