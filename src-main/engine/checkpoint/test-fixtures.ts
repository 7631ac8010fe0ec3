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
import { checkpointDigest } from './checkpoint';
import { decodeSafetensors, encodeSafetensors, parseSafetensorsHeader, type TensorToWrite } from './safetensors';

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
  if (q.kind === 'mhvq') {
    const D = config.model.latentDim;
    const d = (q.compose ?? 'concat') === 'concat' ? D / depth : D;
    for (let i = 0; i < depth; i++) {
      vq(`quantizer.heads.${i}.`, d);
      sd[`quantizer.heads.${i}.project_in.weight`] = randomTensor(rng, [d, D], 1 / Math.sqrt(D));
    }
  }
  return sd;
}

export async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data(), Number);
}

/**
 * A checkpoint's bytes with its state JSON changed by `edit` and signed again (a consistent
 * checksum): what a crafted or buggy file looks like to the loader.
 */
export function resignedCheckpoint(bytes: Uint8Array, edit: (state: Record<string, any>) => void): Uint8Array {
  const f = decodeSafetensors(bytes, 'checkpoint');
  const state = JSON.parse(f.metadata.state!) as Record<string, any>;
  edit(state);
  const stateText = JSON.stringify(state);
  const tensors: Record<string, TensorToWrite> = {};
  for (const [k, t] of Object.entries(f.tensors)) tensors[k] = { dtype: 'F32', shape: t.shape, data: t.data as Float32Array };
  const meta = { format: 'tokenscope-checkpoint', version: '1', state: stateText };
  const draft = encodeSafetensors(tensors, meta);
  const h = parseSafetensorsHeader(draft, draft.length, 'checkpoint');
  return encodeSafetensors(tensors, { ...meta, sha256: checkpointDigest(h.entries, stateText, draft.subarray(h.dataStart)) });
}
