import type { TrainConfig } from '../contract';

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
