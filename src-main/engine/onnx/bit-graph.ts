import { bitMask, type BitQuantizer } from '../quantizers/lfq';
import type { ResidualLookupFreeQuantizer } from '../quantizers/residual-lfq';
import type { OnnxGraph } from './onnx-graph';
import type { QuantizerOutputs } from './quantizer-graph';
import { l2normalizeRows, scalar, squaredErrorRows, sumLastAxis, toRows, writeIds } from './rows-graph';

/**
 * The sign-bit families (lfq.ts, bsq.ts, residual-lfq.ts) at inference: bit = u > 0 (zero is a
 * 0 bit), code = bit·2s − s, index = Σ bit·2^(D−1−d) (dimension 0 the most significant). All
 * comparisons and exact float ops, so the ids are tfjs's exactly.
 */

/** One bit quantizer on `u` with code magnitude `s`: int32 ids `[N, h, w]` and codes. */
function writeBits(g: OnnxGraph, u: string, dim: number, s: number, stem: string): { ids: string; codes: string } {
  const bits = g.op('Greater', [u, scalar(g, 'zero', 0)], {}, `${stem}_bits`);
  const codes = g.op('Sub', [g.op('Mul', [g.op('Cast', [bits], { to: { int: 1 } }), scalar(g, `${stem}_two_s`, 2 * s)]), scalar(g, `${stem}_s`, s)]);
  const asInt = g.op('Cast', [bits], { to: { int: 6 } });
  const ids = sumLastAxis(g, g.op('Mul', [asInt, g.constant(`${stem}_mask`, Int32Array.from(bitMask(dim)), [dim])]));
  return { ids, codes };
}

/** LFQ: u = z, codes ±1; BSQ: u = z/‖z‖, codes ±1/√D. Error against the raw latent, as tfjs's. */
export function writeBitQuantizer(g: OnnxGraph, q: BitQuantizer, z: string, out: QuantizerOutputs): number {
  const rows = toRows(g, z);
  const bsq = q.kind === 'bsq';
  const u = bsq ? l2normalizeRows(g, rows) : rows;
  const r = writeBits(g, u, q.dim, bsq ? 1 / Math.sqrt(q.dim) : 1, q.kind);
  squaredErrorRows(g, rows, r.codes, out.error);
  return writeIds(g, [r.ids], out.ids);
}

/** Residual LFQ: level q is LFQ on r_q / 2^−q, its codes scaled by 2^−q; r_{q+1} = r_q − code. */
export function writeResidualLfq(g: OnnxGraph, q: ResidualLookupFreeQuantizer, z: string, out: QuantizerOutputs): number {
  const rows = toRows(g, z);
  let residual = rows;
  let sum: string | null = null;
  const ids: string[] = [];
  for (let level = 0; level < q.depth; level++) {
    const s = scalar(g, `rlfq${level}_scale`, q.scale(level));
    const r = writeBits(g, g.op('Div', [residual, s]), q.dim, 1, `rlfq${level}`);
    const codes = g.op('Mul', [r.codes, s]);
    ids.push(r.ids);
    sum = sum ? g.op('Add', [sum, codes]) : codes;
    residual = g.op('Sub', [residual, codes]);
  }
  squaredErrorRows(g, rows, sum!, out.error);
  return writeIds(g, ids, out.ids);
}
