/**
 * Residual FSQ and multi-head VQ in eval mode on ../shared/fixtures/{residual_fsq,multihead_vq},
 * on whatever backend is active; returns what the tests compare.
 */
import * as tf from '@tensorflow/tfjs-core';
import { toFloat32, toInt32 } from '../../data/npy';
import { MultiHeadVectorQuantizer } from './multihead-vq';
import { ResidualFiniteScalarQuantizer } from './residual-fsq';
import { fixture, maxAbsDiff } from './test-backend';

export async function runResidualFsqFixture() {
  const before = tf.memory().numTensors;
  const [x, out, idx, scales] = await Promise.all(['x', 'eval_out', 'eval_indices', 'scales'].map((n) => fixture(`residual_fsq/${n}`)));
  const q = new ResidualFiniteScalarQuantizer([8, 5, 5, 5], 3);
  const z = tf.tensor2d(toFloat32(x!), [128, 4]);
  const r = q.quantize(z, { training: false });
  const back = q.indicesToCodes(r.indices);
  const res = {
    shape: r.indices.shape,
    indices: Array.from(await r.indices.data()),
    expectIndices: Array.from(toInt32(idx!)),
    out: maxAbsDiff(await r.quantized.data(), toFloat32(out!)),
    back: maxAbsDiff(await back.data(), await r.quantized.data()),
    scales: maxAbsDiff(q.scales.flat(), toFloat32(scales!)),
  };
  tf.dispose([z, r.quantized, r.indices, r.loss, back]);
  q.dispose();
  return { ...res, leaked: tf.memory().numTensors - before };
}

export async function runMultiHeadFixture() {
  const before = tf.memory().numTensors;
  const [x, codebooks, out, idx] = await Promise.all(['x', 'codebooks', 'eval_out', 'eval_indices'].map((n) => fixture(`multihead_vq/${n}`)));
  const q = new MultiHeadVectorQuantizer({ dim: 16, heads: 4, headDim: 4, codebookSize: 32, projection: 'identity', compose: 'concat' });
  const cbs = tf.tensor3d(toFloat32(codebooks!), [4, 32, 4]);
  const state: Record<string, tf.Tensor> = {};
  tf.unstack(cbs).forEach((t, h) => (state[`heads.${h}.embedding.weight`] = t));
  q.loadState(state);
  const z = tf.tensor2d(toFloat32(x!), [80, 16]);
  const r = q.quantize(z, { training: false });
  const back = q.indicesToCodes(r.indices);
  const res = {
    shape: r.indices.shape,
    indices: Array.from(await r.indices.data()),
    expectIndices: Array.from(toInt32(idx!)),
    out: maxAbsDiff(await r.quantized.data(), toFloat32(out!)),
    back: maxAbsDiff(await back.data(), await r.quantized.data()),
  };
  tf.dispose([cbs, ...Object.values(state), z, r.quantized, r.indices, r.loss, ...Object.values(r.lossParts), back]);
  q.dispose();
  return { ...res, leaked: tf.memory().numTensors - before };
}
