import * as tf from '@tensorflow/tfjs-core';
import type { NamedArray } from '../checkpoint/checkpoint';
import type { AdversarialState } from './adversarial-objective';

/**
 * The discriminator's part of a training checkpoint: its weights (`discriminator.<taming name>`,
 * PyTorch layouts) and its Adam moments (`discriminator_adam.<name>.exp_avg(_sq)`) as plain
 * arrays beside the tokenizer's, its Adam step in the JSON part, so a resumed run continues the
 * same game.
 */
const WEIGHTS = 'discriminator.';
const MOMENTS = 'discriminator_adam.';

export async function adversarialArrays(state: AdversarialState): Promise<{ arrays: Record<string, NamedArray>; json: { adamStep: number } }> {
  const arrays: Record<string, NamedArray> = {};
  const put = async (key: string, t: tf.Tensor) => {
    arrays[key] = { data: Float32Array.from(await t.data()), shape: t.shape.slice() };
  };
  for (const [k, t] of Object.entries(state.weights)) await put(WEIGHTS + k, t);
  for (const [k, t] of Object.entries(state.optimizer.tensors)) await put(MOMENTS + k, t);
  return { arrays, json: { adamStep: state.optimizer.step } };
}

/** The state back from a checkpoint's arrays (new tensors: the caller disposes them), or undefined when it has none. */
export function adversarialFromArrays(arrays: Record<string, NamedArray>, json: unknown): AdversarialState | undefined {
  const weights: Record<string, tf.Tensor> = {};
  const tensors: Record<string, tf.Tensor> = {};
  for (const [k, a] of Object.entries(arrays)) {
    if (k.startsWith(WEIGHTS)) weights[k.slice(WEIGHTS.length)] = tf.tensor(a.data, a.shape, 'float32');
    else if (k.startsWith(MOMENTS)) tensors[k.slice(MOMENTS.length)] = tf.tensor(a.data, a.shape, 'float32');
  }
  if (!Object.keys(weights).length) return undefined;
  const step = (json as { adamStep?: unknown } | undefined)?.adamStep;
  if (!Number.isInteger(step) || (step as number) < 0) {
    tf.dispose([...Object.values(weights), ...Object.values(tensors)]);
    throw new Error(`checkpoint: the discriminator's optimizer step is missing or not a non-negative integer`);
  }
  return { weights, optimizer: { step: step as number, tensors } };
}

export function disposeAdversarialState(s: AdversarialState | undefined): void {
  if (s) tf.dispose([...Object.values(s.weights), ...Object.values(s.optimizer.tensors)]);
}

/** The discriminator's state as plain arrays: what crosses from the training worker and sits in a service session. */
export interface DiscriminatorSnapshot {
  arrays: Record<string, NamedArray>;
  json: { adamStep: number };
}

interface WithAdversarial {
  adversarial?: { getState(): AdversarialState; setState(s: AdversarialState): void };
}

/** The trainer's discriminator as a snapshot, or undefined when it trains without one. */
export async function discriminatorSnapshot(trainer: WithAdversarial): Promise<DiscriminatorSnapshot | undefined> {
  if (!trainer.adversarial) return undefined;
  const state = trainer.adversarial.getState();
  try {
    return await adversarialArrays(state);
  } finally {
    disposeAdversarialState(state);
  }
}

/** Puts a snapshot's discriminator back into the trainer (nothing when either side has none). */
export function restoreDiscriminator(trainer: WithAdversarial, snap: DiscriminatorSnapshot | undefined): void {
  if (!snap || !trainer.adversarial) return;
  const state = adversarialFromArrays(snap.arrays, snap.json);
  try {
    if (state) trainer.adversarial.setState(state);
  } finally {
    disposeAdversarialState(state);
  }
}

/** The discriminator's part of a native checkpoint snapshot (`arrays` and `extra.__discriminator`). */
export function discriminatorFromCheckpoint(snap: { arrays?: Record<string, NamedArray>; extra?: Record<string, unknown> }): DiscriminatorSnapshot | undefined {
  const json = snap.extra?.__discriminator as { adamStep?: unknown } | undefined;
  if (!json || !Number.isInteger(json.adamStep)) return undefined;
  const arrays: Record<string, NamedArray> = {};
  for (const [k, a] of Object.entries(snap.arrays ?? {})) if (k.startsWith(WEIGHTS) || k.startsWith(MOMENTS)) arrays[k] = a;
  return Object.keys(arrays).length ? { arrays, json: { adamStep: json.adamStep as number } } : undefined;
}

/** What a native checkpoint snapshot gains from a discriminator snapshot. */
export function discriminatorCheckpointParts(d: DiscriminatorSnapshot | undefined): { arrays?: Record<string, NamedArray>; extra?: Record<string, unknown> } {
  return d ? { arrays: d.arrays, extra: { __discriminator: d.json } } : {};
}
