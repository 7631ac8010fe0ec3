import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig, TrainMetrics } from '../../contract';
import type { FrameEncoding } from '../../data/frame';
import type { Tokenizer } from '../tokenizer';
import type { Trainer } from './trainer';
import { disposeAdversarialState, discriminatorSnapshot, restoreDiscriminator, type DiscriminatorSnapshot } from '../adversarial/adversarial-checkpoint';

/**
 * Everything a checkpoint holds, as plain typed arrays (structured-cloneable: it crosses from
 * the training worker to whoever saves it, and back when resuming). Weights use the tokenizer's
 * state-dict names and PyTorch layouts; optimizer moments are keyed `<param>.exp_avg(_sq)` in
 * the tfjs layout of the parameter (they never leave TokenScope).
 */
export interface PlainTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export interface TrainSnapshot {
  config: TrainConfig;
  encoding: FrameEncoding;
  step: number;
  weights: Record<string, PlainTensor>;
  optimizer: { step: number; tensors: Record<string, PlainTensor> };
  /** Code indices of the batches in the codebook-health window, oldest first (see TrainerState). */
  usageWindow: Float32Array[];
  history: TrainMetrics[];
  /** The adversarial objective's discriminator and its optimizer, when the run has one. */
  discriminator?: DiscriminatorSnapshot;
}

export async function toPlain(t: tf.Tensor): Promise<PlainTensor> {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  if (dtype === 'int32') return { shape: t.shape.slice(), dtype, data: await t.data<'int32'>() };
  // The cast is a new tensor even for float32 input: dispose it once read.
  const f = tf.cast(t, 'float32');
  try {
    return { shape: t.shape.slice(), dtype, data: await f.data<'float32'>() };
  } finally {
    f.dispose();
  }
}

export function fromPlain(p: PlainTensor, name = 'tensor'): tf.Tensor {
  const size = p.shape.reduce((a, b) => a * b, 1);
  if (p.data.length !== size) throw new Error(`${name}: ${p.data.length} values for shape [${p.shape.join(', ')}]`);
  return tf.tensor(p.data, p.shape, p.dtype);
}

async function plainRecord(rec: Record<string, tf.Tensor>): Promise<Record<string, PlainTensor>> {
  const out: Record<string, PlainTensor> = {};
  try {
    for (const [k, t] of Object.entries(rec)) out[k] = await toPlain(t);
  } finally {
    tf.dispose(Object.values(rec));
  }
  return out;
}

/** The tokenizer's state dict as plain arrays (what a worker needs to rebuild it). */
export function plainWeights(tokenizer: Pick<Tokenizer, 'stateDict'>): Promise<Record<string, PlainTensor>> {
  return plainRecord(tokenizer.stateDict());
}

export async function takeSnapshot(tokenizer: Tokenizer, trainer: Trainer): Promise<TrainSnapshot> {
  const state = trainer.getState();
  disposeAdversarialState(state.adversarial); // taken below as plain arrays
  return {
    config: tokenizer.cfg,
    encoding: tokenizer.encoding,
    step: state.step,
    weights: await plainWeights(tokenizer),
    optimizer: { step: state.optimizer.step, tensors: await plainRecord(state.optimizer.tensors) },
    usageWindow: state.usageWindow,
    history: state.history,
    ...(await discriminatorSnapshot(trainer).then((d) => (d ? { discriminator: d } : {}))),
  };
}

/** Loads a snapshot into a tokenizer and its trainer (shapes checked before anything changes). */
export function restoreSnapshot(tokenizer: Tokenizer, trainer: Trainer, snap: TrainSnapshot): void {
  const weights: Record<string, tf.Tensor> = {};
  const moments: Record<string, tf.Tensor> = {};
  try {
    for (const [k, p] of Object.entries(snap.weights)) weights[k] = fromPlain(p, k);
    for (const [k, p] of Object.entries(snap.optimizer.tensors)) moments[k] = fromPlain(p, k);
    tokenizer.loadStateDict(weights, 'checkpoint');
    trainer.setState({
      step: snap.step,
      optimizer: { step: snap.optimizer.step, tensors: moments },
      usageWindow: snap.usageWindow,
      history: snap.history,
    });
    restoreDiscriminator(trainer, snap.discriminator);
  } finally {
    tf.dispose([...Object.values(weights), ...Object.values(moments)]);
  }
}

/** The transferable buffers of a snapshot (to post it without copying). */
export function snapshotTransfer(snap: TrainSnapshot): ArrayBuffer[] {
  const bufs = new Set<ArrayBuffer>();
  for (const p of [...Object.values(snap.weights), ...Object.values(snap.optimizer.tensors)]) bufs.add(p.data.buffer as ArrayBuffer);
  for (const u of snap.usageWindow) bufs.add(u.buffer as ArrayBuffer);
  return [...bufs];
}
