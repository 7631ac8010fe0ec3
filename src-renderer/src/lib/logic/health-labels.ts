/**
 * The codebook-health figures as every panel writes them: the same words, the same digits and the
 * window named beside them (definitions in src-main/contract/metric-windows.ts), so the training
 * line, the 3D codebook panel and the health tab can be read against each other.
 */
import type { CodebookView, TrainMetrics } from '../../../../src-main/contract/index';
import { codeUsageSummary, metricTooltip, windowLabel, type MetricWindow } from '../../../../src-main/contract/metric-windows';

export interface HealthLine {
  /** `util 21.9% · ppl 57.3 · 200 dead` */
  figures: string;
  /** `last 50 training batches`, `whole sequence (64 frames)` */
  window: string;
  /** What each figure means, over what. */
  tooltip: string;
  used: number;
  dead: number;
  utilization: number;
  perplexity: number;
}

function line(w: MetricWindow, used: number, dead: number, utilization: number, perplexity: number, size: number): HealthLine {
  return {
    figures: `${used} of ${size} used · util ${(utilization * 100).toFixed(1)}% · ppl ${perplexity.toFixed(1)} · ${dead} dead`,
    window: windowLabel(w),
    tooltip: (['utilization', 'perplexity', 'deadCodes'] as const).map((k) => metricTooltip(k, w)).join('\n'),
    used,
    dead,
    utilization,
    perplexity,
  };
}

/** The trainer's figures at one step: over its sliding window of batches. */
export function trainingHealth(m: TrainMetrics, codebookSize: number): HealthLine {
  const of = m.healthWindow ?? 50;
  const w: MetricWindow = { kind: 'batches', batches: m.healthBatches ?? of, of };
  // dead = K·depth − used and utilization = used / (K·depth): the codebook's size follows from them.
  const size = m.utilization < 1 ? Math.round(m.deadCodes / (1 - m.utilization)) : codebookSize;
  return line(w, size - m.deadCodes, m.deadCodes, m.utilization, m.perplexity, size);
}

/**
 * The codebook view's figures: over the whole sequence under the weights shown. An implicit
 * codebook (fsq, lfq, bsq) lists only its used codes; `size` is then the lattice's.
 */
export function sequenceHealth(cb: CodebookView, frames: number, latticeSize?: number): HealthLine {
  const size = cb.ids ? Math.max(latticeSize ?? cb.size, cb.usage.length) : cb.usage.length;
  const s = codeUsageSummary(cb.usage, size);
  return line({ kind: 'sequence', frames }, s.used, s.dead, s.utilization, s.perplexity, size);
}
