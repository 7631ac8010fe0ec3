/**
 * Live training curves: every metric the training events carry, as columns for uPlot
 * (x = step). A run that restarts at a lower step starts a fresh set of curves.
 */
import type { TrainMetrics } from '../../../../src-main/contract/index';
import { flattenAdversarial } from './adversarial-series';

export interface MetricColumns {
  step: number[];
  /** Metric name → value per step (NaN where absent at that step). */
  values: Map<string, number[]>;
}

export function emptyColumns(): MetricColumns {
  return { step: [], values: new Map() };
}

/** The flat metrics of one event: totals, every quantizer loss part (`quant.<name>`), health figures. */
export function flattenMetrics(m: TrainMetrics): Record<string, number> {
  const out: Record<string, number> = {
    loss: m.loss,
    recon: m.reconLoss,
    perplexity: m.perplexity,
    utilization: m.utilization,
    deadCodes: m.deadCodes,
  };
  for (const [k, v] of Object.entries(m.quantLoss ?? {})) out[`quant.${k}`] = v;
  if (m.miou !== undefined) out['miou'] = m.miou;
  if (m.iou !== undefined) out['iou'] = m.iou;
  // Relaxed (soft / Gumbel) VQ: τ and the latest soft-vs-hard reconstruction gap (hard − soft).
  if (m.temperature !== undefined) out['temperature'] = m.temperature;
  if (m.softHardGap !== undefined) out['gap'] = m.softHardGap;
  // Held-out frames (every heldOutEvery steps): the latest evaluation, a step line between them.
  if (m.heldOutRecon !== undefined) out['heldOutRecon'] = m.heldOutRecon;
  if (m.heldOutMiou !== undefined) out['heldOutMiou'] = m.heldOutMiou;
  Object.assign(out, flattenAdversarial(m));
  return out;
}

/**
 * Appends one event's metrics. Returns the same object (mutated) so large histories are not copied;
 * callers assign it to `$state.raw` with a new wrapper to trigger a redraw.
 */
export function appendMetrics(cols: MetricColumns, m: TrainMetrics): MetricColumns {
  const last = cols.step[cols.step.length - 1];
  if (last !== undefined && m.step < last) {
    cols = emptyColumns();
  } else if (last !== undefined && m.step === last) {
    return cols;
  }
  const flat = flattenMetrics(m);
  const n = cols.step.length;
  cols.step.push(m.step);
  for (const [k, v] of Object.entries(flat)) {
    let col = cols.values.get(k);
    if (!col) {
      col = new Array<number>(n).fill(Number.NaN);
      cols.values.set(k, col);
    }
    col.push(Number.isFinite(v) ? v : Number.NaN);
  }
  for (const [k, col] of cols.values) if (!(k in flat)) col.push(Number.NaN);
  return cols;
}

/** Usage sorted by count (descending) with the code id of each bar. */
export function sortedUsage(usage: Float32Array, ids?: Int32Array): { counts: Float32Array; codes: Int32Array } {
  const order = Array.from(usage.keys()).sort((a, b) => usage[b]! - usage[a]!);
  return {
    counts: Float32Array.from(order, (i) => usage[i]!),
    codes: Int32Array.from(order, (i) => (ids ? ids[i]! : i)),
  };
}
