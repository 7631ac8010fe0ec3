import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { initBackend } from './init-backend';
import { Tokenizer } from '../tokenizer';
import { Trainer } from '../train/trainer';
import type { BackendName, TrainConfig } from '../../contract';

/**
 * The native TensorFlow backends train the same tokenizer as wasm does. Their packages download
 * libtensorflow at install time (and the GPU one needs CUDA 11.2 / cuDNN 8.1), which machines
 * without internet access cannot do, so these tests run only where the package is installed.
 */
const require = createRequire(import.meta.url);
const installed = (pkg: string) => {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

const cfg: TrainConfig = {
  model: { inChannels: 3, hidden: 8, latentDim: 4, stages: 2 },
  quantizer: { kind: 'vq', codebookSize: 16, ema: true, kmeansInit: true },
  learningRate: 3e-3,
  steps: 8,
  batchSize: 4,
  crop: 0,
  seed: 5,
  checkpointEvery: 0,
};

const natives: Array<[BackendName, string]> = [
  ['tensorflow', '@tensorflow/tfjs-node'],
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
];

describe.each(natives)('native backend %s', (name, pkg) => {
  const present = installed(pkg);
  it.skipIf(!present)(
    `trains a tokenizer step after step with no leak${present ? '' : ` (skipped: ${pkg} is not installed — its install downloads libtensorflow, which needs internet access)`}`,
    async () => {
      const status = await initBackend({ prefer: [name, 'wasm'], allowNative: true });
      // A GPU package on a machine without a usable GPU falls back, and must say why.
      if (status.name !== name) {
        expect(status.reason).toMatch(new RegExp(`${name}: `));
        return;
      }
      expect(tf.getBackend()).not.toBe('wasm');
      const tok = new Tokenizer(cfg, { kind: 'continuous' });
      const trainer = new Trainer(tok);
      const x = tf.randomUniform([4, 3, 16, 16], 0, 1, 'float32', 2) as tf.Tensor4D;
      const first = await trainer.trainStep(x);
      const baseline = tf.memory().numTensors;
      let last = first;
      for (let i = 0; i < 7; i++) last = await trainer.trainStep(x);
      expect(tf.memory().numTensors).toBe(baseline);
      expect(Number.isFinite(last.loss)).toBe(true);
      expect(last.loss).toBeLessThan(first.loss);
      x.dispose();
      trainer.dispose();
      tok.dispose();
    },
  );
});
