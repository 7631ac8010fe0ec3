import * as tf from '@tensorflow/tfjs-core';
import type { FrameEncoding } from '../../data/frame';
import type { InputDescription } from '../checkpoint/export-config';
import { Tokenizer } from '../tokenizer';
import type { TrainConfig } from '../../contract';
import { occworldImportSettings } from './occworld-export';
import { occworldShapeProblems } from './occworld-state-dict';
import { parseOccWorldConfig } from './occworld-config';

/** One tensor of a lazily read state dict (the `.pth` reader's entries have this shape). */
export interface LazyTensor {
  dtype: string;
  shape: number[];
  read(): Promise<Float32Array>;
}

/**
 * An OccWorld tokenizer from its model dict (config.json's JSON: the dict itself or under
 * `model`) and a lazily read state dict, e.g. a `.pth` of OccWorld's: for the checkpoint
 * architecture registry. Every name and shape is checked before the first tensor is read (one
 * error naming `source`, the tensor and both shapes); tensors are read one at a time.
 */
export async function openOccWorldTokenizer(
  configJson: unknown,
  stateDict: ReadonlyMap<string, LazyTensor>,
  source: string,
  encoding?: FrameEncoding,
): Promise<{ tokenizer: Tokenizer; config: TrainConfig; input: InputDescription | null }> {
  const occ = parseOccWorldConfig(configJson, `${source}: config`);
  const shapes = Object.fromEntries([...stateDict].map(([k, t]) => [k, t.shape]));
  const problems = occworldShapeProblems(occ, shapes);
  if (problems.length) throw new Error(`${source}: ${problems.join('; ')}`);
  // The training settings and input description an import would give (defaults for a bare dict).
  const { train: config, input } = occworldImportSettings(configJson, `${source}: config`);
  const enc = encoding ?? input?.encoding;
  if (!enc) throw new Error(`${source}: the model's frames are unknown (continuous head without an input description): open data first`);
  const tokenizer = new Tokenizer(config, enc);
  const sd: Record<string, tf.Tensor> = {};
  try {
    for (const [name, t] of stateDict) sd[name] = tf.tensor(await t.read(), t.shape, 'float32');
    tokenizer.loadStateDict(sd, source);
  } catch (err) {
    tokenizer.dispose();
    throw err;
  } finally {
    tf.dispose(Object.values(sd));
  }
  return { tokenizer, config, input };
}
