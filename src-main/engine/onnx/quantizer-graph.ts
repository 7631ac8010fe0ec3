import { OccWorldQuantizer } from '../occworld/occworld-quantizer';
import type { Quantizer } from '../quantizers/quantizer';
import { VectorQuantizer } from '../quantizers/vq';
import type { OnnxGraph } from './onnx-graph';

/** Names of the two outputs a quantizer's graph writes: ids `[N, h, w(, depth)]` int32, error `[N, h, w]`. */
export interface QuantizerOutputs {
  ids: string;
  error: string;
}

/** Why this quantizer has no ONNX graph here, or null when it has. */
export function quantizerGraphUnsupported(q: Quantizer): string | null {
  if (q instanceof VectorQuantizer) return q.options.cosine ? 'the cosine-similarity codebook is encoded with TensorFlow.js only' : null;
  if (q instanceof OccWorldQuantizer) return null;
  return `the ${q.kind} quantizer is encoded with TensorFlow.js only`;
}

/**
 * The quantizer's inference on latents `z [N, D, h, w]`, as its `nearestCodes` computes it in
 * tfjs. Returns the token depth (1 for one codebook).
 */
export async function writeQuantizer(g: OnnxGraph, q: Quantizer, z: string, out: QuantizerOutputs): Promise<number> {
  const why = quantizerGraphUnsupported(q);
  if (why) throw new Error(`ONNX encoder: ${why}`);
  await writeNearestCode(g, q, z, out);
  return 1;
}

/**
 * argmin_k ‖z − c_k‖² = argmin_k (‖c_k‖² − 2 z·c_k): a 1×1 convolution by −2·codebook with
 * ‖c‖² as its bias, argmin over the codes, error = relu(min + ‖z‖²) — VectorQuantizer's and
 * OccWorldQuantizer's `nearestCodes`, op for op.
 */
async function writeNearestCode(g: OnnxGraph, q: Quantizer, z: string, out: QuantizerOutputs): Promise<void> {
  const cb = q.codebook();
  if (!cb) throw new Error(`ONNX encoder: the ${q.kind} quantizer has no codebook`);
  const [K, D] = cb.shape as [number, number];
  const table = (await cb.data()) as Float32Array;
  cb.dispose();
  const filter = new Float32Array(K * D);
  const c2 = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let d = 0; d < D; d++) {
      const v = table[k * D + d]!;
      filter[k * D + d] = -2 * v;
      s += v * v;
    }
    c2[k] = s;
  }
  const score = g.op('Conv', [z, g.constant('codebook_neg2', filter, [K, D, 1, 1]), g.constant('codebook_sq', c2, [K])], {
    kernel_shape: { ints: [1, 1] },
  });
  const ids64 = g.op('ArgMin', [score], { axis: { int: 1 }, keepdims: { int: 0 } });
  g.op('Cast', [ids64], { to: { int: 6 } }, out.ids);
  const best = g.op('ReduceMin', [score], { axes: { ints: [1] }, keepdims: { int: 0 } });
  const z2 = g.op('ReduceSumSquare', [z], { axes: { ints: [1] }, keepdims: { int: 0 } });
  g.op('Relu', [g.op('Add', [best, z2])], {}, out.error);
}
