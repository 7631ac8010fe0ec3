import * as tf from '@tensorflow/tfjs-core';
import type { SafeTensor, SafetensorsFile, TensorToWrite } from './safetensors';

/**
 * The bridge between tfjs tensors and safetensors entries. tfjs knows float32, int32 and bool;
 * safetensors files from PyTorch may hold float16/bfloat16/float64 (read as float32) and int64
 * (read as int32 when every value fits, since tfjs has no int64).
 */

export type StateDict = Record<string, tf.Tensor>;

/** Reads every tensor's values (awaiting, never `dataSync`, so it works on any backend). */
export async function stateDictToSafe(sd: StateDict): Promise<Record<string, TensorToWrite>> {
  const out: Record<string, TensorToWrite> = {};
  for (const [name, t] of Object.entries(sd)) {
    if (t.isDisposed) throw new Error(`state dict entry "${name}" is a disposed tensor`);
    const shape = t.shape.slice();
    if (t.dtype === 'float32') out[name] = { dtype: 'F32', shape, data: (await t.data()) as Float32Array };
    else if (t.dtype === 'int32') out[name] = { dtype: 'I32', shape, data: (await t.data()) as Int32Array };
    else if (t.dtype === 'bool') out[name] = { dtype: 'I32', shape, data: Int32Array.from((await t.data()) as Uint8Array) };
    else throw new Error(`state dict entry "${name}" has dtype ${t.dtype}, which safetensors export does not support`);
  }
  return out;
}

/** One safetensors entry as a tfjs tensor (float32 or int32). */
export function safeToTensor(name: string, t: SafeTensor, source: string): tf.Tensor {
  const d = t.data;
  if (d instanceof Float32Array) return tf.tensor(d, t.shape, 'float32');
  if (d instanceof Float64Array) return tf.tensor(Float32Array.from(d), t.shape, 'float32');
  if (d instanceof Int32Array) return tf.tensor(d, t.shape, 'int32');
  if (d instanceof BigInt64Array) {
    const narrow = new Int32Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (v > 2147483647n || v < -2147483648n) {
        throw new Error(`${source}: tensor "${name}" holds the int64 value ${v}, outside int32 (tfjs has no int64)`);
      }
      narrow[i] = Number(v);
    }
    return tf.tensor(narrow, t.shape, 'int32');
  }
  return tf.tensor(Int32Array.from(d), t.shape, 'int32');
}

/** All entries of a file as tfjs tensors; the caller owns (and disposes) them. */
export function safeFileToStateDict(file: SafetensorsFile, source: string): StateDict {
  const out: StateDict = {};
  try {
    for (const [name, t] of Object.entries(file.tensors)) out[name] = safeToTensor(name, t, source);
  } catch (err) {
    disposeStateDict(out);
    throw err;
  }
  return out;
}

export function disposeStateDict(sd: StateDict): void {
  for (const t of Object.values(sd)) if (!t.isDisposed) t.dispose();
}
