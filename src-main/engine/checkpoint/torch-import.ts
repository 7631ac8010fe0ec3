import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { disposeStateDict, type StateDict } from './tensor-io';
import { importWeights, readModelConfig, type ImportResult } from './export';
import { readTorchCheckpoint, type TorchCheckpoint } from './torch/index';

/**
 * A tokenizer saved by PyTorch as a `.pth` (torch.save of `model.state_dict()`, or of
 * `{'state_dict': …, 'optimizer': …, 'epoch': …}` as training scripts do), with the config.json
 * that describes its architecture beside it or named explicitly. It takes the same path as an
 * export folder's safetensors (importWeights): the two cannot disagree on what a model needs.
 */

export interface TorchImportOptions {
  /** config.json describing the model (default: `config.json` beside the checkpoint). */
  config?: string;
  memoryBudgetBytes?: number;
}

export interface TorchImportResult extends ImportResult {
  /** The checkpoint's other entries (epoch …), plain values. */
  extra: Record<string, unknown>;
}

export async function importTorchCheckpoint(file: string, opts: TorchImportOptions = {}): Promise<TorchImportResult> {
  const cfgFile = opts.config ?? path.join(path.dirname(file), 'config.json');
  const { arch, parsed } = await readModelConfig(cfgFile).catch((err: Error) => {
    throw opts.config ? err : new Error(`${err.message} (a .pth holds weights only: put the config.json describing its model beside it, or name it with --config in the CLI)`);
  });
  const ck = await readTorchCheckpoint(file, opts.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: opts.memoryBudgetBytes } : {});
  try {
    const shapes: Record<string, number[]> = {};
    for (const [name, t] of ck.stateDict) shapes[name] = t.shape;
    const result = await importWeights(arch, parsed, { cfgFile, weightsFile: file, shapes, load: () => toStateDict(ck) });
    return { ...result, extra: ck.extra };
  } finally {
    await ck.close();
  }
}

/** Reads the tensors one at a time (each inflated or read once) into tfjs tensors. */
async function toStateDict(ck: TorchCheckpoint): Promise<StateDict> {
  const sd: StateDict = {};
  try {
    for (const [name, t] of ck.stateDict) {
      const values = await t.read();
      // tfjs has no int64 / float16: floats become float32, integer buffers int32 (exact below 2^24).
      sd[name] = t.dtype.startsWith('float') || t.dtype === 'bfloat16' ? tf.tensor(values, t.shape, 'float32') : tf.tensor(Int32Array.from(values), t.shape, 'int32');
    }
  } catch (err) {
    disposeStateDict(sd);
    throw err;
  }
  return sd;
}
