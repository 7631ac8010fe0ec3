import { OccWorldQuantizer } from '../occworld/occworld-quantizer';
import type { Quantizer } from '../quantizers/quantizer';
import { VectorQuantizer } from '../quantizers/vq';
import { ResidualVectorQuantizer } from '../quantizers/rvq';
import { GroupedVectorQuantizer } from '../quantizers/gvq';
import { MultiHeadVectorQuantizer } from '../quantizers/multihead-vq';
import { FiniteScalarQuantizer } from '../quantizers/fsq';
import { ResidualFiniteScalarQuantizer } from '../quantizers/residual-fsq';
import { BitQuantizer } from '../quantizers/lfq';
import { ResidualLookupFreeQuantizer } from '../quantizers/residual-lfq';
import { GumbelQuantizer } from '../quantizers/gumbel';
import type { OnnxGraph } from './onnx-graph';
import { writeCosineVq, writeGroupedVq, writeMultiHeadVq, writeResidualVq } from './vq-family-graph';
import { writeFsq, writeResidualFsq } from './fsq-graph';
import { writeBitQuantizer, writeResidualLfq } from './bit-graph';
import { writeGumbel } from './gumbel-graph';
import { codebookTable, squaredNorms } from './rows-graph';

/** Names of the two outputs a quantizer's graph writes: ids `[N, h, w(, depth)]` int32, error `[N, h, w]`. */
export interface QuantizerOutputs {
  ids: string;
  error: string;
}

/** Why this quantizer has no ONNX graph here, or null when it has. */
export function quantizerGraphUnsupported(q: Quantizer): string | null {
  // Soft VQ is a VectorQuantizer: at inference its assignment is the hard one.
  if (q instanceof VectorQuantizer) return null;
  if (q instanceof OccWorldQuantizer) return null;
  if (q instanceof ResidualVectorQuantizer || q instanceof GroupedVectorQuantizer || q instanceof MultiHeadVectorQuantizer) return null;
  if (q instanceof FiniteScalarQuantizer || q instanceof ResidualFiniteScalarQuantizer) return null;
  if (q instanceof BitQuantizer || q instanceof ResidualLookupFreeQuantizer || q instanceof GumbelQuantizer) return null;
  return `the ${q.kind} quantizer is encoded with TensorFlow.js only`;
}

/**
 * The quantizer's inference on latents `z [N, D, h, w]`, as its `nearestCodes` (or, without
 * one, `quantize(z, {training: false})`) computes it in tfjs. Returns the token depth (1 for one
 * codebook; the ids output is then `[N, h, w]`, else `[N, h, w, depth]` as `Tokenizer.encode`).
 */
export async function writeQuantizer(g: OnnxGraph, q: Quantizer, z: string, out: QuantizerOutputs): Promise<number> {
  const why = quantizerGraphUnsupported(q);
  if (why) throw new Error(`ONNX encoder: ${why}`);
  if (q instanceof VectorQuantizer && q.options.cosine) return writeCosineVq(g, q, z, out);
  if (q instanceof VectorQuantizer || q instanceof OccWorldQuantizer) {
    await writeNearestCode(g, q, z, out);
    return 1;
  }
  if (q instanceof ResidualVectorQuantizer) return writeResidualVq(g, q, z, out);
  if (q instanceof GroupedVectorQuantizer) return writeGroupedVq(g, q, z, out);
  if (q instanceof MultiHeadVectorQuantizer) return writeMultiHeadVq(g, q, z, out);
  if (q instanceof FiniteScalarQuantizer) return writeFsq(g, q, z, out);
  if (q instanceof ResidualFiniteScalarQuantizer) return writeResidualFsq(g, q, z, out);
  if (q instanceof BitQuantizer) return writeBitQuantizer(g, q, z, out);
  if (q instanceof ResidualLookupFreeQuantizer) return writeResidualLfq(g, q, z, out);
  if (q instanceof GumbelQuantizer) return writeGumbel(g, q, z, out);
  throw new Error(`ONNX encoder: no graph for the ${q.kind} quantizer`);
}

/**
 * argmin_k ‖z − c_k‖² = argmin_k (‖c_k‖² − 2 z·c_k): a 1×1 convolution by −2·codebook with
 * ‖c‖² as its bias, argmin over the codes, error = relu(min + ‖z‖²) — VectorQuantizer's and
 * OccWorldQuantizer's `nearestCodes`, op for op.
 */
async function writeNearestCode(g: OnnxGraph, q: Quantizer, z: string, out: QuantizerOutputs): Promise<void> {
  const { table, K, D } = await codebookTable(q);
  const filter = table.map((v) => -2 * v);
  const c2 = squaredNorms(table, K, D);
  const score = g.op('Conv', [z, g.constant('codebook_neg2', filter, [K, D, 1, 1]), g.constant('codebook_sq', c2, [K])], {
    kernel_shape: { ints: [1, 1] },
  });
  const ids64 = g.op('ArgMin', [score], { axis: { int: 1 }, keepdims: { int: 0 } });
  g.op('Cast', [ids64], { to: { int: 6 } }, out.ids);
  const best = g.op('ReduceMin', [score], { axes: { ints: [1] }, keepdims: { int: 0 } });
  const z2 = g.op('ReduceSumSquare', [z], { axes: { ints: [1] }, keepdims: { int: 0 } });
  g.op('Relu', [g.op('Add', [best, z2])], {}, out.error);
}
