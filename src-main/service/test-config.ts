import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../contract';
import type { FrameEncoding } from '../data/frame';
import { saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { Tokenizer } from '../engine/tokenizer';

/**
 * The small tokenizer the workspace tests share (18 classes in, 8 hidden, latent 4, 4× down,
 * K = 16): enough to exercise every path, quick on two cores. Tests override what they need.
 */
export const SMALL_CONFIG: TrainConfig = {
  model: { inChannels: 18, hidden: 8, latentDim: 4, stages: 2 },
  quantizer: { kind: 'vq', codebookSize: 16 },
  learningRate: 1e-3,
  steps: 10,
  batchSize: 2,
  crop: 0,
  seed: 3,
  checkpointEvery: 0,
};

/** Writes a checkpoint of a freshly initialised tokenizer of `cfg` (step 1, no optimiser state). */
export async function saveFreshCheckpoint(file: string, cfg: TrainConfig, encoding: FrameEncoding): Promise<string> {
  const tok = new Tokenizer(cfg, encoding);
  const weights = tok.stateDict();
  try {
    await saveCheckpoint(file, { config: cfg, step: 1, weights, optimizer: null, metrics: [] });
  } finally {
    tf.dispose(Object.values(weights));
    tok.dispose();
  }
  return file;
}
