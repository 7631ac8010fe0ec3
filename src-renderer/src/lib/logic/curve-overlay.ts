import type { TrainMetrics } from '../../../../src-main/contract/index';
import { appendMetrics, emptyColumns, type MetricColumns } from './series';

/**
 * Two runs' curves in one chart: the current run's columns and an earlier run's (a followed
 * run's metrics.jsonl or a checkpoint's saved history) on the union of their steps, each NaN at
 * the other's steps; the chart spans those gaps (spanGaps) so each run is a line through its own
 * points.
 */
export function columnsOfHistory(metrics: readonly TrainMetrics[]): MetricColumns {
  let cols = emptyColumns();
  for (const m of metrics) cols = appendMetrics(cols, m);
  return cols;
}

export function mergeOnSteps(a: MetricColumns, b: MetricColumns, keys: readonly string[]): { step: number[]; a: Map<string, number[]>; b: Map<string, number[]> } {
  const step = [...new Set([...a.step, ...b.step])].sort((x, y) => x - y);
  const at = new Map(step.map((s, i) => [s, i]));
  const place = (cols: MetricColumns) => {
    const out = new Map<string, number[]>();
    for (const k of keys) {
      const v = cols.values.get(k);
      if (!v) continue;
      const row = new Array<number>(step.length).fill(NaN);
      cols.step.forEach((s, i) => (row[at.get(s)!] = v[i]!));
      out.set(k, row);
    }
    return out;
  };
  return { step, a: place(a), b: place(b) };
}
