/**
 * Residual VQ and LFQ in eval mode on ../shared/fixtures/{rvq,lfq}, on whatever backend is active
 * (shared by the wasm and webgpu tests); returns what the tests compare.
 */
import * as tf from '@tensorflow/tfjs-core';
import { toFloat32, toInt32 } from '../../data/npy';
import { LookupFreeQuantizer } from './lfq';
import type { Quantizer } from './quantizer';
import { ResidualVectorQuantizer } from './rvq';
import { fixture, maxAbsDiff } from './test-backend';

/**
 * A quantizer with one codebook per level (residual VQ's layers, multi-head VQ's heads) in eval
 * mode on a fixture folder holding x, codebooks [levels, K, D], eval_out and eval_indices: the
 * codebooks loaded under `${prefix}.${level}.embedding.weight`, then its ids, output and
 * indices → codes compared. Disposes the quantizer.
 */
export async function runStackedCodebookFixture(
  folder: string,
  q: Quantizer,
  o: { prefix: string; levels: number; codebookSize: number; codeDim: number; rows: number; dim: number },
) {
  const [x, codebooks, out, idx] = await Promise.all(['x', 'codebooks', 'eval_out', 'eval_indices'].map((n) => fixture(`${folder}/${n}`)));
  const cbs = tf.tensor3d(toFloat32(codebooks!), [o.levels, o.codebookSize, o.codeDim]);
  const state: Record<string, tf.Tensor> = {};
  tf.unstack(cbs).forEach((t, i) => (state[`${o.prefix}.${i}.embedding.weight`] = t));
  q.loadState(state);
  const z = tf.tensor2d(toFloat32(x!), [o.rows, o.dim]);
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
  return res;
}

export async function runRvqLfqFixture() {
  const before = tf.memory().numTensors;
  const rvqRes = await runStackedCodebookFixture('rvq', new ResidualVectorQuantizer({ dim: 8, codebookSize: 16, depth: 3 }), {
    prefix: 'layers',
    levels: 3,
    codebookSize: 16,
    codeDim: 8,
    rows: 64,
    dim: 8,
  });

  const [lx, lout, lidx] = await Promise.all(['x', 'eval_out', 'eval_indices'].map((n) => fixture(`lfq/${n}`)));
  const lfq = new LookupFreeQuantizer({ dim: 4 });
  const lz = tf.tensor2d(toFloat32(lx!), [64, 4]);
  const lr = lfq.quantize(lz, { training: false });
  const lback = lfq.indicesToCodes(lr.indices);
  const lfqRes = {
    indices: Array.from(await lr.indices.data()),
    expectIndices: Array.from(toInt32(lidx!)),
    out: maxAbsDiff(await lr.quantized.data(), toFloat32(lout!)),
    back: maxAbsDiff(await lback.data(), toFloat32(lout!)),
  };
  tf.dispose([lz, lr.quantized, lr.indices, lr.loss, ...Object.values(lr.lossParts), lback]);
  lfq.dispose();
  return { rvq: rvqRes, lfq: lfqRes, leaked: tf.memory().numTensors - before };
}
