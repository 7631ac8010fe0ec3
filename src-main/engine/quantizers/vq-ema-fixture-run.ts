/**
 * One EMA training step of vector-quantize-pytorch's VectorQuantize from ../shared/fixtures/vq_ema,
 * run on whatever backend is active (the wasm test and the webgpu test share it); returns the
 * differences the tests check.
 */
import * as tf from '@tensorflow/tfjs-core';
import { toFloat32, toInt32 } from '../../data/npy';
import { fixture, maxAbsDiff } from './test-backend';
import { VectorQuantizer } from './vq';

export async function runVqEmaFixture() {
  const f = async (n: string) => fixture(`vq_ema/${n}`);
  const [x, cb0, cs0, ea0, trainOut, trainIdx, commit, cbAfter, csAfter, eaAfter, evalOut, evalIdx] =
    await Promise.all(
      [
        'x',
        'codebook_init',
        'cluster_size_init',
        'embed_avg_init',
        'train_out',
        'train_indices',
        'train_commit_loss',
        'codebook_after',
        'cluster_size_after',
        'embed_avg_after',
        'eval_out',
        'eval_indices',
      ].map(f),
    );
  const vq = new VectorQuantizer({ dim: 8, codebookSize: 16, ema: true, decay: 0.8, eps: 1e-5, beta: 1, rotationTrick: true });
  const before = tf.memory().numTensors;
  const state = {
    'embedding.weight': tf.tensor2d(toFloat32(cb0!), [16, 8]),
    cluster_size: tf.tensor1d(toFloat32(cs0!)),
    embed_avg: tf.tensor2d(toFloat32(ea0!), [16, 8]),
  };
  vq.loadState(state);
  Object.values(state).forEach((t) => t.dispose());
  const z = tf.tensor2d(toFloat32(x!), [64, 8]);
  const r = vq.quantize(z, { training: true });
  const out = {
    trainOut: maxAbsDiff(await r.quantized.data(), toFloat32(trainOut!)),
    trainIdx: Array.from(await r.indices.data()),
    commit: Math.abs((await r.loss.data())[0]! - toFloat32(commit!)[0]!),
    commitPart: Math.abs((await r.lossParts.commitment!.data())[0]! - toFloat32(commit!)[0]!),
    codebook: 0,
    clusterSize: 0,
    embedAvg: 0,
    evalOut: 0,
    evalIdx: [] as number[],
    expectTrainIdx: Array.from(toInt32(trainIdx!)),
    expectEvalIdx: Array.from(toInt32(evalIdx!)),
    leaked: 0,
  };
  vq.afterStep(z, r.indices);
  const st = vq.state();
  out.codebook = maxAbsDiff(await st['embedding.weight']!.data(), toFloat32(cbAfter!));
  out.clusterSize = maxAbsDiff(await st.cluster_size!.data(), toFloat32(csAfter!));
  out.embedAvg = maxAbsDiff(await st.embed_avg!.data(), toFloat32(eaAfter!));
  tf.dispose([r.quantized, r.indices, r.loss, ...Object.values(r.lossParts)]);
  const e = vq.quantize(z, { training: false });
  out.evalOut = maxAbsDiff(await e.quantized.data(), toFloat32(evalOut!));
  out.evalIdx = Array.from(await e.indices.data());
  tf.dispose([e.quantized, e.indices, e.loss, ...Object.values(e.lossParts), z]);
  out.leaked = tf.memory().numTensors - before;
  vq.dispose();
  return out;
}
