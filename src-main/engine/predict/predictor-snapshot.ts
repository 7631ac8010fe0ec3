import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../checkpoint/safetensors';
import type { PlainTensor } from '../train/snapshot';
import type { AdamState } from '../train/adam';
import { NextFramePredictor } from './next-frame-model';
import { resolvePredictorConfig, type PredictorConfig } from './predictor-config';
import type { PredictorStepMetrics } from './predictor-trainer';

/**
 * Everything a predictor checkpoint holds, as plain typed arrays: structured-cloneable, so it
 * crosses from the training worker to whoever saves it and back when resuming. On disk it is one
 * safetensors file: weights under their stable names, Adam moments under
 * `optimizer.<name>.exp_avg(_sq)`, and in the metadata the format tag, the config and the steps.
 */
export interface PredictorSnapshot {
  config: PredictorConfig;
  step: number;
  weights: Record<string, PlainTensor>;
  optimizer?: { step: number; tensors: Record<string, PlainTensor> };
  history: PredictorStepMetrics[];
}

export const PREDICTOR_FORMAT = 'tokenscope-next-frame-predictor/1';

async function plain(t: tf.Tensor): Promise<PlainTensor> {
  if (t.dtype === 'int32') return { shape: t.shape.slice(), dtype: 'int32', data: (await t.data()) as Int32Array };
  if (t.dtype === 'float32') return { shape: t.shape.slice(), dtype: 'float32', data: (await t.data()) as Float32Array };
  throw new Error(`predictor snapshot: cannot store a ${t.dtype} tensor`);
}

function tensorOf(p: PlainTensor, name: string): tf.Tensor {
  const size = p.shape.reduce((a, b) => a * b, 1);
  if (p.data.length !== size) throw new Error(`predictor snapshot: "${name}" has ${p.data.length} values for shape [${p.shape.join(', ')}]`);
  return tf.tensor(p.data, p.shape, p.dtype);
}

/** Reads the model's weights (and the optimizer's moments when given) into a snapshot. */
export async function takePredictorSnapshot(
  model: NextFramePredictor,
  train?: { step: number; optimizer: AdamState; history?: PredictorStepMetrics[] },
): Promise<PredictorSnapshot> {
  const weights: Record<string, PlainTensor> = {};
  for (const [name, v] of Object.entries(model.state())) weights[name] = await plain(v);
  let optimizer: PredictorSnapshot['optimizer'];
  if (train) {
    const tensors: Record<string, PlainTensor> = {};
    try {
      for (const [name, t] of Object.entries(train.optimizer.tensors)) tensors[name] = await plain(t);
    } finally {
      // AdamState from getState() holds copies the caller owns: this function consumed them.
      for (const t of Object.values(train.optimizer.tensors)) t.dispose();
    }
    optimizer = { step: train.optimizer.step, tensors };
  }
  return { config: { ...model.config }, step: train?.step ?? 0, weights, optimizer, history: [...(train?.history ?? [])] };
}

/** A model with the snapshot's weights (the caller disposes it). */
export function predictorFromSnapshot(s: PredictorSnapshot, source = 'predictor snapshot'): NextFramePredictor {
  const model = new NextFramePredictor(resolvePredictorConfig(s.config));
  const state: Record<string, tf.Tensor> = {};
  try {
    for (const [name, p] of Object.entries(s.weights)) state[name] = tensorOf(p, name);
    model.loadState(state, source);
    return model;
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    for (const t of Object.values(state)) t.dispose();
  }
}

/** The snapshot's optimizer moments as tensors for `Adam.setState` (the caller disposes them). */
export function optimizerStateOf(s: PredictorSnapshot): AdamState | undefined {
  if (!s.optimizer) return undefined;
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, p] of Object.entries(s.optimizer.tensors)) tensors[name] = tensorOf(p, name);
  return { step: s.optimizer.step, tensors };
}

function toWrite(p: PlainTensor): TensorToWrite {
  return p.dtype === 'int32' ? { dtype: 'I32', shape: p.shape, data: p.data as Int32Array } : { dtype: 'F32', shape: p.shape, data: p.data as Float32Array };
}

/** Writes the snapshot as one safetensors file (atomically). */
export async function writePredictorCheckpoint(file: string, s: PredictorSnapshot): Promise<void> {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, p] of Object.entries(s.weights)) tensors[name] = toWrite(p);
  for (const [name, p] of Object.entries(s.optimizer?.tensors ?? {})) tensors[`optimizer.${name}`] = toWrite(p);
  await writeSafetensors(file, tensors, {
    format: PREDICTOR_FORMAT,
    config: JSON.stringify(s.config),
    step: String(s.step),
    ...(s.optimizer ? { optimizerStep: String(s.optimizer.step) } : {}),
    history: JSON.stringify(s.history),
  });
}

export async function readPredictorCheckpoint(file: string): Promise<PredictorSnapshot> {
  const parsed = await readSafetensors(file);
  const meta = parsed.metadata;
  if (meta.format !== PREDICTOR_FORMAT) {
    throw new Error(`${file}: not a next-frame predictor checkpoint (format is ${meta.format ?? 'missing'}, expected ${PREDICTOR_FORMAT})`);
  }
  let config: PredictorConfig;
  let history: PredictorStepMetrics[];
  try {
    config = resolvePredictorConfig(JSON.parse(meta.config ?? 'null') as PredictorConfig);
    history = JSON.parse(meta.history ?? '[]') as PredictorStepMetrics[];
  } catch (err) {
    throw new Error(`${file}: bad predictor metadata: ${(err as Error).message}`);
  }
  const weights: Record<string, PlainTensor> = {};
  const moments: Record<string, PlainTensor> = {};
  for (const [name, t] of Object.entries(parsed.tensors)) {
    if (!(t.data instanceof Float32Array) && !(t.data instanceof Int32Array)) {
      throw new Error(`${file}: tensor "${name}" is ${t.dtype}; predictor checkpoints hold F32 and I32 only`);
    }
    const p: PlainTensor = { shape: t.shape, dtype: t.data instanceof Int32Array ? 'int32' : 'float32', data: t.data };
    if (name.startsWith('optimizer.')) moments[name.slice('optimizer.'.length)] = p;
    else weights[name] = p;
  }
  const step = Number(meta.step ?? 0);
  return {
    config,
    step: Number.isInteger(step) && step >= 0 ? step : 0,
    weights,
    optimizer: Object.keys(moments).length ? { step: Number(meta.optimizerStep ?? step), tensors: moments } : undefined,
    history,
  };
}

/** Reads a checkpoint straight into a model (weights only; the caller disposes it). */
export async function loadPredictor(file: string): Promise<NextFramePredictor> {
  return predictorFromSnapshot(await readPredictorCheckpoint(file), file);
}
