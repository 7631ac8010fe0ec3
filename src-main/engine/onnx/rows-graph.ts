import type * as tf from '@tensorflow/tfjs-core';
import type { VectorQuantizer } from '../quantizers/vq';
import type { Quantizer } from '../quantizers/quantizer';
import type { OnnxGraph } from './onnx-graph';

/**
 * Shared pieces of the quantizer graphs that work on latent rows, channel-last `[N, h, w, D]`,
 * as the tfjs quantizers see them (`[N·h·w, D]`): ops over the last axis, ids `[N, h, w]` per
 * level. Each mirrors the tfjs op it stands for (same operands, same order), so that only
 * summation order can differ.
 */

/** Latents `[N, D, h, w]` (the encoder's NCHW output) → rows `[N, h, w, D]`. */
export function toRows(g: OnnxGraph, z: string): string {
  return g.op('Transpose', [z], { perm: { ints: [0, 2, 3, 1] } }, 'rows');
}

/** A float32 scalar constant (broadcasts against anything). */
export function scalar(g: OnnxGraph, stem: string, v: number): string {
  return g.constant(stem, Float32Array.of(v), []);
}

/** A float32 vector over the last axis `[D]` (per-channel constants such as FSQ's levels). */
export function perChannel(g: OnnxGraph, stem: string, v: readonly number[]): string {
  return g.constant(stem, Float32Array.from(v), [v.length]);
}

/** ops.ts `l2normalize`: x / max(‖x‖, 1e-12) over the last axis (PyTorch's F.normalize). */
export function l2normalizeRows(g: OnnxGraph, x: string): string {
  const sq = g.op('ReduceSumSquare', [x], { axes: { ints: [-1] }, keepdims: { int: 1 } });
  const norm = g.op('Max', [g.op('Sqrt', [sq]), scalar(g, 'l2_eps', 1e-12)]);
  return g.op('Div', [x, norm]);
}

/** Σ_d (a − b)² over the last axis: `Tokenizer.encode`'s error when there is no `nearestCodes`. */
export function squaredErrorRows(g: OnnxGraph, a: string, b: string, output?: string): string {
  return g.op('ReduceSumSquare', [g.op('Sub', [a, b])], { axes: { ints: [-1] }, keepdims: { int: 0 } }, output);
}

/** ReduceSum over the last axis (opset 13 takes the axes as an input), dropping it. */
export function sumLastAxis(g: OnnxGraph, x: string): string {
  return g.op('ReduceSum', [x, g.constant('axis_last', BigInt64Array.of(-1n), [1])], { keepdims: { int: 0 } });
}

/**
 * Per-level ids `[N, h, w]` (int64 or int32) → the graph's ids output, int32: `[N, h, w]` for
 * one level, `[N, h, w, depth]` (tf.stack(…, 1) of the tfjs quantizers, reshaped) for several.
 */
export function writeIds(g: OnnxGraph, levels: string[], output: string): number {
  if (levels.length === 1) {
    g.op('Cast', [levels[0]!], { to: { int: 6 } }, output);
    return 1;
  }
  const axis = g.constant('axis_stack', BigInt64Array.of(-1n), [1]);
  const cols = levels.map((l) => g.op('Cast', [g.op('Unsqueeze', [l, axis])], { to: { int: 6 } }));
  g.op('Concat', cols, { axis: { int: -1 } }, output);
  return levels.length;
}

/** A codebook tensor's values (the caller still owns and disposes it). */
export async function tableOf(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

/**
 * One `VectorQuantizer.lookup` at inference on rows `x [N, h, w, d]`: the latents l2-normalised
 * for a cosine codebook, distances relu(‖x‖² − 2·x·cᵀ + ‖c‖²) (ops.ts `squaredDistances`, same
 * association), the first minimum, the code gathered from the table `lookup` compares with
 * (`codebook()` is that table: normalised rows for a trained cosine codebook).
 * Returns int64 ids `[N, h, w]` and the codes `[N, h, w, d]`.
 */
export async function writeVqLookup(g: OnnxGraph, q: VectorQuantizer, x: string, stem: string): Promise<{ ids: string; codes: string }> {
  const { table, K, D } = await codebookTable(q);
  return writeTableLookup(g, table, K, D, q.options.cosine ? l2normalizeRows(g, x) : x, stem);
}

/** A quantizer's codebook `[K, D]` as plain values (the tensor `codebook()` makes is disposed). */
export async function codebookTable(q: Pick<Quantizer, 'kind' | 'codebook'>): Promise<{ table: Float32Array; K: number; D: number }> {
  const cb = q.codebook();
  if (!cb) throw new Error(`ONNX encoder: the ${q.kind} quantizer has no codebook`);
  try {
    const [K, D] = cb.shape as [number, number];
    return { table: await tableOf(cb), K, D };
  } finally {
    cb.dispose();
  }
}

/** `table [K, D]` as `[D, K]` (a MatMul's right operand). */
export function transposed(table: Float32Array, K: number, D: number): Float32Array {
  const t = new Float32Array(D * K);
  for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) t[d * K + k] = table[k * D + d]!;
  return t;
}

/** ‖c_k‖² of every row of `table [K, D]`, accumulated in float32 as tf.sum(tf.square(codebook), 1) does. */
export function squaredNorms(table: Float32Array, K: number, D: number): Float32Array {
  const c2 = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let d = 0; d < D; d++) {
      const v = table[k * D + d]!;
      s = Math.fround(s + Math.fround(v * v));
    }
    c2[k] = s;
  }
  return c2;
}

/** The nearest row of `table [K, D]` to each row of `x` (already normalised where it must be). */
export function writeTableLookup(g: OnnxGraph, table: Float32Array, K: number, D: number, x: string, stem: string): { ids: string; codes: string } {
  const t = transposed(table, K, D);
  const c2 = squaredNorms(table, K, D);
  const codebook = g.constant(`${stem}_codebook`, table, [K, D]);
  const x2 = g.op('ReduceSumSquare', [x], { axes: { ints: [-1] }, keepdims: { int: 1 } });
  const xc = g.op('MatMul', [x, g.constant(`${stem}_codebook_t`, t, [D, K])]);
  const dist = g.op('Relu', [g.op('Add', [g.op('Sub', [x2, g.op('Mul', [xc, scalar(g, 'two', 2)])]), g.constant(`${stem}_codebook_sq`, c2, [K])])]);
  const ids = g.op('ArgMin', [dist], { axis: { int: -1 }, keepdims: { int: 0 } }, `${stem}_ids`);
  const codes = g.op('Gather', [codebook, ids], { axis: { int: 0 } }, `${stem}_codes`);
  return { ids, codes };
}
