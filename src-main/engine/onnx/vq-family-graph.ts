import type { GroupedVectorQuantizer } from '../quantizers/gvq';
import type { MultiHeadVectorQuantizer } from '../quantizers/multihead-vq';
import type { ResidualVectorQuantizer } from '../quantizers/rvq';
import type { VectorQuantizer } from '../quantizers/vq';
import type { OnnxGraph } from './onnx-graph';
import type { QuantizerOutputs } from './quantizer-graph';
import { squaredErrorRows, tableOf, toRows, writeIds, writeVqLookup } from './rows-graph';

/**
 * The codebook families whose inference is linear algebra plus `VectorQuantizer.lookup`
 * (cosine VQ, residual, grouped, multi-head), each as its tfjs `quantize(z, {training: false})`
 * computes it; error = Σ (z − quantized)² per cell, as `Tokenizer.encode` measures it for a
 * quantizer without `nearestCodes` (against the raw latent, also for the cosine codebook).
 * Each returns the token depth.
 */

/** Cosine VQ: normalised latents against the normalised table; error against the raw latent. */
export async function writeCosineVq(g: OnnxGraph, q: VectorQuantizer, z: string, out: QuantizerOutputs): Promise<number> {
  const rows = toRows(g, z);
  const r = await writeVqLookup(g, q, rows, 'vq');
  squaredErrorRows(g, rows, r.codes, out.error);
  return writeIds(g, [r.ids], out.ids);
}

/** rvq.ts: level i quantizes r_i, r_{i+1} = r_i − q_i; quantized = Σ q_i (summed in level order). */
export async function writeResidualVq(g: OnnxGraph, q: ResidualVectorQuantizer, z: string, out: QuantizerOutputs): Promise<number> {
  const rows = toRows(g, z);
  let residual = rows;
  let sum: string | null = null;
  const ids: string[] = [];
  for (const [i, layer] of q.layers.entries()) {
    const r = await writeVqLookup(g, layer, residual, `rvq${i}`);
    sum = sum ? g.op('Add', [sum, r.codes]) : r.codes;
    ids.push(r.ids);
    residual = g.op('Sub', [residual, r.codes]);
  }
  squaredErrorRows(g, rows, sum!, out.error);
  return writeIds(g, ids, out.ids);
}

/** gvq.ts: D/G consecutive channels per group, each its own VQ; codes concatenated. */
export async function writeGroupedVq(g: OnnxGraph, q: GroupedVectorQuantizer, z: string, out: QuantizerOutputs): Promise<number> {
  const rows = toRows(g, z);
  const G = q.groups.length;
  const parts = G === 1 ? [rows] : g.node('Split', [rows], { axis: { int: -1 } }, Array.from({ length: G }, (_, i) => `group${i}`));
  const ids: string[] = [];
  const codes: string[] = [];
  for (const [i, group] of q.groups.entries()) {
    const r = await writeVqLookup(g, group, parts[i]!, `gvq${i}`);
    ids.push(r.ids);
    codes.push(r.codes);
  }
  const quantized = G === 1 ? codes[0]! : g.op('Concat', codes, { axis: { int: -1 } });
  squaredErrorRows(g, rows, quantized, out.error);
  return writeIds(g, ids, out.ids);
}

/**
 * multihead-vq.ts: head h quantizes p_h = z·W_hᵀ (W_h `[d, D]`, the state's
 * `heads.{h}.project_in.weight`) with its own codebook; codes concatenated or summed.
 */
export async function writeMultiHeadVq(g: OnnxGraph, q: MultiHeadVectorQuantizer, z: string, out: QuantizerOutputs): Promise<number> {
  const rows = toRows(g, z);
  const state = q.state();
  const ids: string[] = [];
  const codes: string[] = [];
  for (const [h, head] of q.heads.entries()) {
    // The live variable (owned by the quantizer): read, not disposed.
    const w = state[`heads.${h}.project_in.weight`];
    if (!w) throw new Error(`ONNX encoder: mhvq state lacks heads.${h}.project_in.weight`);
    const [d, D] = w.shape as [number, number];
    const wv = await tableOf(w);
    const wt = new Float32Array(D * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < D; j++) wt[j * d + i] = wv[i * D + j]!;
    const p = g.op('MatMul', [rows, g.constant(`mhvq${h}_project_t`, wt, [D, d])], {}, `head${h}`);
    const r = await writeVqLookup(g, head, p, `mhvq${h}`);
    ids.push(r.ids);
    codes.push(r.codes);
  }
  let quantized = codes[0]!;
  if (codes.length > 1) {
    if (q.compose === 'concat') quantized = g.op('Concat', codes, { axis: { int: -1 } });
    // tf.addN adds in order; Sum is variadic, so the chain of Adds keeps that order.
    else for (const c of codes.slice(1)) quantized = g.op('Add', [quantized, c]);
  }
  squaredErrorRows(g, rows, quantized, out.error);
  return writeIds(g, ids, out.ids);
}
