import { fsqConstants, type FiniteScalarQuantizer } from '../quantizers/fsq';
import type { ResidualFiniteScalarQuantizer } from '../quantizers/residual-fsq';
import type { OnnxGraph } from './onnx-graph';
import type { QuantizerOutputs } from './quantizer-graph';
import { perChannel, scalar, squaredErrorRows, sumLastAxis, toRows, writeIds } from './rows-graph';

/**
 * FSQ and residual FSQ, op for op as fsq.ts / residual-fsq.ts compute them at inference, so that
 * the ids are exactly tfjs's: every step is an IEEE elementwise op with the same operands in the
 * same order (float32 constants computed as the quantizers compute them), except `Tanh`, whose
 * kernel differs (an id could differ only where a value lands within an ulp of a rounding
 * boundary). ONNX `Round` rounds half to even, as `tf.round` does on cpu and wasm (tested).
 */

/** Index digits `[N, h, w, D]` (float, integer-valued) → Σ_d digit_d·basis_d in int32, as tfjs sums them. */
function digitsToIndex(g: OnnxGraph, digits: string, basis: readonly number[], stem: string): string {
  const asInt = g.op('Cast', [digits], { to: { int: 6 } });
  return sumLastAxis(g, g.op('Mul', [asInt, g.constant(`${stem}_basis`, Int32Array.from(basis), [basis.length])]));
}

function basisOf(levels: readonly number[]): number[] {
  const basis: number[] = [];
  let b = 1;
  for (const L of levels) {
    basis.push(b);
    b *= L;
  }
  return basis;
}

/**
 * fsq.ts: bounded = tanh(z + shift)·half_l − offset, rounded = round(bounded),
 * code = rounded / ⌊L/2⌋, index = Σ (rounded + ⌊L/2⌋)·basis.
 */
export function writeFsq(g: OnnxGraph, q: FiniteScalarQuantizer, z: string, out: QuantizerOutputs): number {
  const c = fsqConstants(q.levels);
  const rows = toRows(g, z);
  const tanh = g.op('Tanh', [g.op('Add', [rows, perChannel(g, 'fsq_shift', c.shift)])]);
  const bounded = g.op('Sub', [g.op('Mul', [tanh, perChannel(g, 'fsq_half_l', c.halfL)]), perChannel(g, 'fsq_offset', c.offset)], {}, 'fsq_bounded');
  const rounded = g.op('Round', [bounded]);
  const halfWidth = perChannel(g, 'fsq_half_width', c.halfWidth);
  const code = g.op('Div', [rounded, halfWidth]);
  squaredErrorRows(g, rows, code, out.error);
  const ids = digitsToIndex(g, g.op('Add', [rounded, halfWidth]), c.basis, 'fsq');
  return writeIds(g, [ids], out.ids);
}

/**
 * residual-fsq.ts: x = tanh(z / c)·c once; per level q, k = ⌊(L − 1)(clamp(r/s_q, −1, 1) + 1)/2 + ½⌋,
 * code = (k·2/(L − 1) − 1)·s_q, r −= code; quantized = Σ code (in level order).
 */
export function writeResidualFsq(g: OnnxGraph, q: ResidualFiniteScalarQuantizer, z: string, out: QuantizerOutputs): number {
  const L = q.levels;
  const rows = toRows(g, z);
  const c = perChannel(g, 'rfsq_clamp', L.map((l) => Math.fround(1 + Math.fround(1 / (l - 1)))));
  let residual = g.op('Mul', [g.op('Tanh', [g.op('Div', [rows, c])]), c]);
  const lm1 = perChannel(g, 'rfsq_lm1', L.map((l) => l - 1));
  const step = perChannel(g, 'rfsq_step', L.map((l) => Math.fround(2 / (l - 1))));
  const one = scalar(g, 'one', 1);
  const basis = basisOf(L);
  let sum: string | null = null;
  const ids: string[] = [];
  q.scales.forEach((scales, level) => {
    const s = perChannel(g, `rfsq${level}_scale`, scales);
    const x = g.op('Clip', [g.op('Div', [residual, s]), scalar(g, 'minus_one', -1), one]);
    const pre = g.op('Add', [g.op('Div', [g.op('Mul', [lm1, g.op('Add', [x, one])]), scalar(g, 'two', 2)]), scalar(g, 'half', 0.5)]);
    const k = g.op('Floor', [pre], {}, `rfsq${level}_digits`);
    const code = g.op('Mul', [g.op('Sub', [g.op('Mul', [step, k]), one]), s]);
    ids.push(digitsToIndex(g, k, basis, `rfsq${level}`));
    sum = sum ? g.op('Add', [sum, code]) : code;
    residual = g.op('Sub', [residual, code]);
  });
  squaredErrorRows(g, rows, sum!, out.error);
  return writeIds(g, ids, out.ids);
}
