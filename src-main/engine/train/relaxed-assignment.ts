/**
 * What a training step does for a relaxed (soft / Gumbel-softmax) VQ assignment: set the
 * temperature τ of the step from the config's schedule, and, every `gapEvery` steps, measure the
 * train/test mismatch — the reconstruction loss the decoder gets from the hard assignment it
 * will see at inference minus the one from the soft assignment it trains on, on the same batch
 * with the same weights (before the optimiser's update).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../contract';
import { reconstructionLoss } from '../model/losses';
import { relaxed } from '../quantizers/assignment';
import { DEFAULT_TEMPERATURE, temperatureAt } from '../quantizers/temperature-schedule';
import type { Tokenizer } from '../tokenizer';

/** Steps between gap measurements when the config does not say. */
export const DEFAULT_GAP_EVERY = 10;

/**
 * Sets τ for the step after `stepsTaken` steps and returns it; undefined for a hard quantizer.
 * By default the anneal spans the whole run (`cfg.steps`).
 */
export function applyTemperature(tok: Tokenizer, cfg: TrainConfig, stepsTaken: number): number | undefined {
  const q = relaxed(tok.quantizer);
  if (!q) return undefined;
  const t = temperatureAt({ ...DEFAULT_TEMPERATURE, ...cfg.quantizer.temperature }, stepsTaken, cfg.steps);
  q.setTemperature(t);
  return t;
}

/** Whether step number `step` (1-based) measures the gap: the first step, then every gapEvery. */
export function gapDue(tok: Tokenizer, cfg: TrainConfig, step: number): boolean {
  if (!relaxed(tok.quantizer)) return false;
  const every = cfg.quantizer.gapEvery ?? DEFAULT_GAP_EVERY;
  return every > 0 && (step === 1 || step % every === 0);
}

/**
 * Reconstruction loss of NHWC frames (as `toNhwc` gives them) through the hard assignment
 * (inference path: argmin / argmax, no noise), in the units of the training loss. Gradient-free
 * by use: call it outside a gradient tape. Returns a new scalar.
 */
export function hardReconLoss(tok: Tokenizer, xNhwc: tf.Tensor4D): tf.Scalar {
  if (tok.nets.kind !== 'reference') throw new Error(`soft-vs-hard gap: the ${tok.nets.kind} model has no relaxed assignment`);
  return tf.tidy(() => {
    const z4 = tok.latents(xNhwc, false);
    const [b, h, w, d] = z4.shape;
    const q = tok.quantizer.quantize(tf.reshape(z4, [b * h * w, d]) as tf.Tensor2D, { training: false });
    const out = tok.nets.decode(tf.reshape(q.quantized, [b, h, w, d]) as tf.Tensor4D, false);
    return reconstructionLoss(out, xNhwc, tok.encoding);
  });
}
