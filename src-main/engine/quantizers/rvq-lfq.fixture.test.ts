/**
 * Residual VQ (3 levels, K 16, D 8) and LFQ (D 4) in eval mode against vector-quantize-pytorch's
 * outputs in ../shared/fixtures/{rvq,lfq}, on the wasm backend: indices exactly, outputs within
 * float rounding (max |Δ| in the names, computed at collection time).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { toFloat32, toInt32 } from '../../data/npy';
import { LookupFreeQuantizer } from './lfq';
import { ResidualVectorQuantizer } from './rvq';
import { fixture, haveFixtures, maxAbsDiff, useWasmBackend } from './test-backend';

const present = haveFixtures();

async function run() {
  await useWasmBackend();
  const before = tf.memory().numTensors;
  const [x, codebooks, out, idx] = await Promise.all(['x', 'codebooks', 'eval_out', 'eval_indices'].map((n) => fixture(`rvq/${n}`)));
  const rvq = new ResidualVectorQuantizer({ dim: 8, codebookSize: 16, depth: 3 });
  const cbs = tf.tensor3d(toFloat32(codebooks!), [3, 16, 8]);
  const state: Record<string, tf.Tensor> = {};
  tf.unstack(cbs).forEach((t, i) => (state[`layers.${i}.embedding.weight`] = t));
  rvq.loadState(state);
  const z = tf.tensor2d(toFloat32(x!), [64, 8]);
  const r = rvq.quantize(z, { training: false });
  const back = rvq.indicesToCodes(r.indices);
  const rvqRes = {
    shape: r.indices.shape,
    indices: Array.from(await r.indices.data()),
    expectIndices: Array.from(toInt32(idx!)),
    out: maxAbsDiff(await r.quantized.data(), toFloat32(out!)),
    back: maxAbsDiff(await back.data(), await r.quantized.data()),
  };
  tf.dispose([cbs, ...Object.values(state), z, r.quantized, r.indices, r.loss, ...Object.values(r.lossParts), back]);
  rvq.dispose();

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

const res = present ? await run() : null;
const e = (v: number | undefined) => (v === undefined ? 'n/a' : v.toExponential(2));
const skipNote = present ? '' : ' (skipped: ../shared/fixtures absent)';

describe.skipIf(!present)(`ResidualVQ and LFQ match vector-quantize-pytorch${skipNote}`, () => {
  it('RVQ indices [64, 3] are identical (greedy nearest code on each residual)', () => {
    expect(res!.rvq.shape).toEqual([64, 3]);
    expect(res!.rvq.indices).toEqual(res!.rvq.expectIndices);
  });
  it(`RVQ output is the sum of the selected codes (max |Δ| ${e(res?.rvq.out)}; indicesToCodes max |Δ| ${e(res?.rvq.back)})`, () => {
    expect(res!.rvq.out).toBeLessThanOrEqual(1e-6);
    expect(res!.rvq.back).toBeLessThanOrEqual(1e-6);
  });
  it('LFQ indices are identical (dimension 0 the most significant bit)', () => {
    expect(res!.lfq.indices).toEqual(res!.lfq.expectIndices);
  });
  it(`LFQ output ±1 (max |Δ| ${e(res?.lfq.out)}) and indicesToCodes (max |Δ| ${e(res?.lfq.back)})`, () => {
    expect(res!.lfq.out).toBe(0);
    expect(res!.lfq.back).toBe(0);
  });
  it('leaves no tensors behind', () => {
    expect(res!.leaked).toBe(0);
  });
});
