import type { Quantizer } from '../quantizers/quantizer';
import type { HierarchicalNets } from '../hierarchical/hier-nets';
import { HierarchicalQuantizer } from '../hierarchical/hier-quantizer';
import type { OnnxGraph } from './onnx-graph';
import type { QuantizerOutputs } from './quantizer-graph';
import { writeConvNet } from './reference-net-graph';
import { squaredErrorRows, toRows, writeIds, writeVqLookup } from './rows-graph';

/**
 * The hierarchical (VQ-VAE-2) encoder and its two codebooks as ONNX nodes, op for op as the
 * tfjs inference path: `HierarchicalNets.levels` (enc_b → enc_t → quantize_conv_t → top VQ →
 * dec_t on the top codes → concat with enc_b → quantize_conv_b) and then what
 * `Tokenizer.encode` does with `latents` (no `nearestCodes`: `quantize(z, {training: false})`
 * of both halves, error = Σ over the 2D channels of (z − quantized)², top and bottom together).
 *
 * The top search runs once, on the top grid: its codes feed dec_t, and its ids and codes are
 * then repeated over each 2×2 bottom block (tfjs repeats the top latent and searches again; the
 * same row gives the same code). Ids out: `[N, h, w, 2]` int32, level 0 top, level 1 bottom.
 */

/** Why this tokenizer's hierarchical graph cannot be written, or null. */
export function hierGraphUnsupported(q: Quantizer): string | null {
  // Every VQ option is a training option (EMA, reseeding, jitter, rotation trick, objectives)
  // except the cosine codebook, which writeVqLookup writes as VectorQuantizer.lookup does.
  if (q instanceof HierarchicalQuantizer) return null;
  return `the hierarchical architecture's graph needs its two VQ codebooks, not a ${q.kind} quantizer`;
}

/** Frames `x [N, C, H, W]` (normalised) → the graph's ids and error outputs; returns the token depth (2). */
export async function writeHierarchicalEncoder(g: OnnxGraph, nets: HierarchicalNets, q: Quantizer, x: string, out: QuantizerOutputs): Promise<number> {
  const why = hierGraphUnsupported(q);
  if (why) throw new Error(`ONNX encoder: ${why}`);
  const hq = q as HierarchicalQuantizer;
  const n = nets.nets;
  const encB = await writeConvNet(g, n.enc_b, x);
  const zt = await writeConvNet(g, n.quantize_conv_t, await writeConvNet(g, n.enc_t, encB));
  const ztRows = toRows(g, zt);
  const top = await writeVqLookup(g, hq.top, ztRows, 'top');
  // dec_t decodes the top codes (rows → NCHW), as levels() does with quantize's output.
  const qt = g.op('Transpose', [top.codes], { perm: { ints: [0, 3, 1, 2] } }, 'top_codes_nchw');
  const decT = await writeConvNet(g, n.dec_t, qt);
  // tf.concat([decT, encB], 3) on NHWC is channel order decT then encB: axis 1 here.
  const zb = await writeConvNet(g, n.quantize_conv_b, g.op('Concat', [decT, encB], { axis: { int: 1 } }));
  const zbRows = toRows(g, zb);
  const bottom = await writeVqLookup(g, hq.bottom, zbRows, 'bottom');
  // latents = concat(upsampleNearest2(zt), zb) and quantized = concat(top codes, bottom codes) per row.
  const z = g.op('Concat', [upsampleNearest2(g, ztRows, 4), zbRows], { axis: { int: -1 } }, 'latents');
  const quantized = g.op('Concat', [upsampleNearest2(g, top.codes, 4), bottom.codes], { axis: { int: -1 } }, 'quantized');
  squaredErrorRows(g, z, quantized, out.error);
  return writeIds(g, [upsampleNearest2(g, top.ids, 3), bottom.ids], out.ids);
}

/**
 * hier-nets.ts `upsampleNearest2` on `x [N, h, w, ...]` (rank `rank`) → `[N, 2h, 2w, ...]`: each
 * cell repeated over its 2×2 block (Unsqueeze after rows and cols, Expand, Reshape to the
 * doubled shape). Works for float rows and int64 ids alike; sizes stay dynamic.
 */
export function upsampleNearest2(g: OnnxGraph, x: string, rank: number): string {
  const u = g.op('Unsqueeze', [x, g.constant('up_axes', BigInt64Array.of(2n, 4n), [2])]);
  const reps = BigInt64Array.from({ length: rank + 2 }, (_, i) => (i === 2 || i === 4 ? 2n : 1n));
  const e = g.op('Expand', [u, g.constant('up_expand', reps, [rank + 2])]);
  const scale = BigInt64Array.from({ length: rank }, (_, i) => (i === 1 || i === 2 ? 2n : 1n));
  const target = g.op('Mul', [g.op('Shape', [x]), g.constant('up_scale', scale, [rank])]);
  return g.op('Reshape', [e, target], {}, 'upsampled');
}
