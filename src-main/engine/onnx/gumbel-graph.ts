import type { GumbelQuantizer } from '../quantizers/gumbel';
import type { OnnxGraph } from './onnx-graph';
import type { QuantizerOutputs } from './quantizer-graph';
import { codebookTable, squaredErrorRows, tableOf, toRows, transposed, writeIds } from './rows-graph';

/**
 * Gumbel VQ at inference (gumbel.ts `nearestCodes`): no noise, id = argmax of the logits
 * z·Wᵀ + b (taming's 1×1 `proj`, `[K, D, 1, 1]`), error ‖z − e_id‖².
 */
export async function writeGumbel(g: OnnxGraph, q: GumbelQuantizer, z: string, out: QuantizerOutputs): Promise<number> {
  const state = q.state(); // live variables: read, not disposed
  const w = await tableOf(state['proj.weight']!);
  const b = await tableOf(state['proj.bias']!);
  const { table, K, D } = await codebookTable(q);
  const wt = transposed(w, K, D);
  const rows = toRows(g, z);
  const logits = g.op('Add', [g.op('MatMul', [rows, g.constant('gumbel_proj_t', wt, [D, K])]), g.constant('gumbel_proj_bias', b, [K])]);
  const ids = g.op('ArgMax', [logits], { axis: { int: -1 }, keepdims: { int: 0 } });
  const codes = g.op('Gather', [g.constant('gumbel_codebook', table, [K, D]), ids], { axis: { int: 0 } });
  squaredErrorRows(g, rows, codes, out.error);
  return writeIds(g, [ids], out.ids);
}
