import type * as tf from '@tensorflow/tfjs-core';
import type { Tokenizer } from '../tokenizer';
import type { Trainer, TrainerState } from '../train/trainer';
import type { InputDescription } from './export-config';
import { disposeSnapshot, loadCheckpoint, saveCheckpoint, type CheckpointSnapshot, type NamedArray } from './checkpoint';
import { disposeStateDict } from './tensor-io';
import { adversarialArrays, adversarialFromArrays, disposeAdversarialState } from '../adversarial/adversarial-checkpoint';

/**
 * The bridge between a training run (Tokenizer + Trainer) and the native checkpoint: what to
 * save so that a resumed run continues exactly (weights, quantizer/EMA state, Adam moments and
 * step, metric history, the sliding code-usage window), and how to put it back.
 */

const OPTIMIZER = 'adam';

/**
 * Optional hooks for a quantizer with state outside `state()` that an exact resume needs
 * (e.g. VQ's reseeding Rng position and its pool of recent latents). When a quantizer has
 * them they are saved and restored; without them a run that reseeds dead codes from random
 * latents resumes with a fresh Rng and an empty pool (close, not bit-identical).
 */
export interface ResumeState {
  json: Record<string, unknown>;
  arrays: Record<string, NamedArray>;
}

interface ResumableQuantizer {
  resumeState(): Promise<ResumeState>;
  restoreResumeState(s: ResumeState): void;
}

function resumable(q: unknown): ResumableQuantizer | null {
  const r = q as Partial<ResumableQuantizer>;
  return typeof r.resumeState === 'function' && typeof r.restoreResumeState === 'function' ? (r as ResumableQuantizer) : null;
}

export interface SaveTrainingOptions {
  input?: InputDescription;
  /** JSON state of the caller (e.g. the batch sampler's position). */
  extra?: Record<string, unknown>;
}

function usageArray(window: Float32Array[]): NamedArray | null {
  if (window.length === 0) return null;
  const width = window[0]!.length;
  const data = new Float32Array(window.length * width);
  window.forEach((b, i) => data.set(b, i * width));
  return { data, shape: [window.length, width] };
}

function usageWindow(a: NamedArray | undefined): Float32Array[] {
  if (!a) return [];
  const [n, width] = a.shape as [number, number];
  return Array.from({ length: n }, (_, i) => Float32Array.from(a.data.subarray(i * width, (i + 1) * width)));
}

/** Saves the run's state atomically to `file` (one file; the previous one stays until the new one is whole). */
export async function saveTrainingCheckpoint(
  file: string,
  tokenizer: Tokenizer,
  trainer: Trainer,
  opts: SaveTrainingOptions = {},
): Promise<{ file: string; sizeBytes: number }> {
  const weights = tokenizer.stateDict();
  let state: TrainerState | null = null;
  try {
    state = trainer.getState();
    const usage = usageArray(state.usageWindow);
    const arrays: Record<string, NamedArray> = usage ? { usage_window: usage } : {};
    const extra: Record<string, unknown> = { ...(opts.extra ?? {}) };
    const q = await resumable(tokenizer.quantizer)?.resumeState();
    if (q) {
      extra.__quantizer = q.json;
      for (const [k, a] of Object.entries(q.arrays)) arrays[`quantizer.${k}`] = a;
    }
    if (state.adversarial) {
      const d = await adversarialArrays(state.adversarial);
      Object.assign(arrays, d.arrays);
      extra.__discriminator = d.json;
    }
    const snapshot: CheckpointSnapshot = {
      config: trainer.cfg,
      step: state.step,
      weights,
      optimizer: {
        name: OPTIMIZER,
        weights: Object.entries(state.optimizer.tensors).map(([name, tensor]) => ({ name, tensor })),
        config: { step: state.optimizer.step, learningRate: trainer.optimizer.lr, beta1: trainer.optimizer.beta1, beta2: trainer.optimizer.beta2, epsilon: trainer.optimizer.eps },
      },
      metrics: state.history,
      arrays,
      extra,
      ...(opts.input ? { input: opts.input } : {}),
    };
    return await saveCheckpoint(file, snapshot);
  } finally {
    disposeStateDict(weights);
    if (state) disposeStateDict(state.optimizer.tensors);
    disposeAdversarialState(state?.adversarial);
  }
}

/**
 * Restores a run from `file` into a tokenizer and trainer built from the same config: refuses
 * (and changes nothing) when the checkpoint is corrupt or for another model. Returns the
 * snapshot's step, input and extra for the caller (its tensors are already disposed).
 */
export async function resumeTraining(
  file: string,
  tokenizer: Tokenizer,
  trainer: Trainer,
): Promise<{ step: number; input?: InputDescription; extra: Record<string, unknown> }> {
  const snap = await loadCheckpoint(file, { expect: trainer.cfg });
  let adversarial: ReturnType<typeof adversarialFromArrays> = undefined;
  try {
    if (snap.optimizer && snap.optimizer.name !== OPTIMIZER) {
      throw new Error(`${file}: optimizer "${snap.optimizer.name}" cannot resume with ${OPTIMIZER}`);
    }
    const tensors: Record<string, tf.Tensor> = {};
    for (const w of snap.optimizer?.weights ?? []) tensors[w.name] = w.tensor;
    const adamStep = Number(snap.optimizer?.config?.step ?? snap.step);
    adversarial = trainer.adversarial ? adversarialFromArrays(snap.arrays ?? {}, snap.extra?.__discriminator) : undefined;
    tokenizer.loadStateDict(snap.weights, file);
    trainer.setState({
      step: snap.step,
      optimizer: { step: adamStep, tensors },
      usageWindow: usageWindow(snap.arrays?.usage_window),
      history: snap.metrics,
      ...(adversarial ? { adversarial } : {}),
    });
    const { __quantizer, __discriminator: _d, ...extra } = snap.extra ?? {};
    const rq = resumable(tokenizer.quantizer);
    if (rq && __quantizer !== undefined) {
      const arrays: Record<string, NamedArray> = {};
      for (const [k, a] of Object.entries(snap.arrays ?? {})) if (k.startsWith('quantizer.')) arrays[k.slice('quantizer.'.length)] = a;
      rq.restoreResumeState({ json: __quantizer as Record<string, unknown>, arrays });
    }
    return { step: snap.step, ...(snap.input ? { input: snap.input } : {}), extra };
  } finally {
    disposeAdversarialState(adversarial);
    disposeSnapshot(snap);
  }
}
