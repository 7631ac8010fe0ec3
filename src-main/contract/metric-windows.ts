/**
 * What codebook-health figures mean, in one place (issue 11, "legible metrics"). Utilization,
 * perplexity and dead codes are each one formula, computed over one of three windows, and every
 * place that shows a figure names its window (a label or a tooltip) with `windowLabel`:
 *
 * - `batches`: the last N training batches (the trainer's sliding window: training curves, the
 *   status line, `tokenscope train`'s lines, `tokenscope info`'s "last step"). While fewer than N
 *   batches have been seen the window is still filling, and the label says so.
 * - `frame`: the tokens of the frame shown.
 * - `sequence`: the tokens of the whole open sequence under the weights shown (3D codebook
 *   panel, health tab).
 *
 * Formulas (engine/metrics/codebook-health.ts for the batches window, `codeUsageSummary` below
 * for the others; the same definitions):
 * - utilization = codes used at least once in the window / K (0–1, summed over levels for
 *   residual / grouped quantizers);
 * - perplexity = exp(entropy of the window's code distribution), at most K;
 * - dead codes = codes not used at all in the window (= K − used).
 * An EMA quantizer's own running counts (`tokenscope info`'s "EMA counts") are a different
 * thing and are never called "dead" there.
 */
export type MetricWindow =
  | { kind: 'batches'; batches: number; of: number }
  | { kind: 'frame'; index: number }
  | { kind: 'sequence'; frames: number };

export const METRIC_MEANING = {
  utilization: 'share of the codebook used at least once in the window (0–1)',
  perplexity: 'exp(entropy) of the code distribution in the window (at most K)',
  deadCodes: 'codes not used at all in the window',
} as const;

export function windowLabel(w: MetricWindow): string {
  switch (w.kind) {
    case 'batches':
      return w.batches < w.of ? `last ${w.batches} training batches, window of ${w.of} filling` : `last ${w.of} training batches`;
    case 'frame':
      return `frame ${w.index + 1}`;
    case 'sequence':
      return `whole sequence (${w.frames} frames)`;
  }
}

/** Tooltip text of one figure: what it means and over what. */
export function metricTooltip(metric: keyof typeof METRIC_MEANING, w: MetricWindow): string {
  return `${METRIC_MEANING[metric]}; window: ${windowLabel(w)}`;
}

export interface CodeUsageSummary {
  used: number;
  dead: number;
  utilization: number;
  perplexity: number;
  tokens: number;
}

/**
 * The same three figures from per-code counts (the codebook view's usage over the sequence, or a
 * frame's ids). `size`: K (an implicit codebook lists only the codes it used: pass its full size).
 */
export function codeUsageSummary(counts: ArrayLike<number>, size = counts.length): CodeUsageSummary {
  let used = 0;
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0) used++;
    total += c;
  }
  let h = 0;
  if (total > 0) for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0) h -= (c / total) * Math.log(c / total);
  }
  return { used, dead: size - used, utilization: size > 0 ? used / size : 0, perplexity: total > 0 ? Math.exp(h) : 0, tokens: total };
}
