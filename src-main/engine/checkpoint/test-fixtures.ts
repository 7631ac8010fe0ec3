/**
 * Test-only helpers: small TrainConfigs and state dicts in the reference layout, filled from
 * the seeded Rng, for the checkpoint / export tests that run without a Tokenizer.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QuantizerConfig, TrainConfig } from '../../contract';
import { Rng } from '../../util/rng';
import { quantizerShape } from './export-config';
import { expectedParams, referenceLayers } from './layers';
import type { StateDict } from './tensor-io';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const pythonModuleDir = path.join(repoRoot, 'resources/pytorch');

export function smallConfig(quantizer: QuantizerConfig, model: Partial<TrainConfig['model']> = {}): TrainConfig {
  return {
    model: { inChannels: 3, hidden: 8, latentDim: 4, stages: 2, ...model },
    quantizer,
    learningRate: 1e-3,
    steps: 10,
    batchSize: 2,
    crop: 0,
    seed: 1,
    checkpointEvery: 5,
  };
}

function randomTensor(rng: Rng, shape: number[], scale = 0.3): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * scale;
  return tf.tensor(v, shape, 'float32');
}

/** A state dict with every parameter and buffer the config implies, random values. */
export function randomStateDict(config: TrainConfig, seed = 3, outChannels = config.model.inChannels): StateDict {
  const rng = new Rng(seed);
  const layers = referenceLayers(config.model, outChannels);
  const sd: StateDict = {};
  const params = { ...expectedParams('encoder.net', layers.encoder), ...expectedParams('decoder.net', layers.decoder) };
  for (const [name, shape] of Object.entries(params)) sd[name] = randomTensor(rng, shape);
  const q = config.quantizer;
  const { codebookSize: K, depth } = quantizerShape(q, config.model.latentDim);
  const vq = (prefix: string, D: number) => {
    sd[`${prefix}embedding.weight`] = randomTensor(rng, [K, D], 1);
    const cs = new Float32Array(K);
    for (let i = 0; i < K; i++) cs[i] = i % 4 === 0 ? 0 : rng.range(0.5, 3);
    sd[`${prefix}cluster_size`] = tf.tensor1d(cs);
    sd[`${prefix}embed_avg`] = randomTensor(rng, [K, D]);
  };
  if (q.kind === 'lfq' || q.kind === 'bsq') {
    // The bit weights 2^(D−1−d) the bit quantizers keep in their state.
    const D = config.model.latentDim;
    sd['quantizer.mask'] = tf.tensor1d(Array.from({ length: D }, (_, d) => 2 ** (D - 1 - d)), 'int32');
  }
  if (q.kind === 'vq') vq('quantizer.', config.model.latentDim);
  if (q.kind === 'rvq') for (let i = 0; i < depth; i++) vq(`quantizer.layers.${i}.`, config.model.latentDim);
  if (q.kind === 'gvq') for (let i = 0; i < depth; i++) vq(`quantizer.groups.${i}.`, config.model.latentDim / depth);
  return sd;
}

export async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data(), Number);
}
