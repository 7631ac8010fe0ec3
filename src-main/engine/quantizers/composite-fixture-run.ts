/**
 * Residual FSQ and multi-head VQ in eval mode on ../shared/fixtures/{residual_fsq,multihead_vq},
 * on whatever backend is active; returns what the tests compare.
 */
import * as tf from '@tensorflow/tfjs-core';
import { toFloat32, toInt32 } from '../../data/npy';
import { MultiHeadVectorQuantizer } from './multihead-vq';
import { ResidualFiniteScalarQuantizer } from './residual-fsq';
import { runStackedCodebookFixture } from './rvq-lfq-fixture-run';
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
  const q = new MultiHeadVectorQuantizer({ dim: 16, heads: 4, headDim: 4, codebookSize: 32, projection: 'identity', compose: 'concat' });
  const res = await runStackedCodebookFixture('multihead_vq', q, { prefix: 'heads', levels: 4, codebookSize: 32, codeDim: 4, rows: 80, dim: 16 });
  return { ...res, leaked: tf.memory().numTensors - before };
}
