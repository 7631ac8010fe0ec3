import { configLimitProblems, inputLimitProblems, short, type LimitedModel, type LimitedQuantizer } from './config-limits';

/**
 * The parts of a checkpoint's `state` JSON that code downstream reads without looking (the
 * metric history's numbers, the step, the input description), checked once at load. The
 * checksum only proves the file is as its writer made it, and anyone can write one: a crafted
 * file with `"loss": "x"` must be a clear error here, not a TypeError in a panel later.
 */

/** Fields every recorded metric has; the optional ones are checked when present. */
const METRIC_NUMBERS = ['step', 'totalSteps', 'loss', 'reconLoss', 'perplexity', 'utilization', 'deadCodes', 'bitsPerToken', 'compressionRatio', 'msPerStep', 'etaSeconds'] as const;
const OPTIONAL_METRIC_NUMBERS = ['miou', 'iou', 'temperature', 'softHardGap', 'softHardGapStep', 'heldOutRecon', 'heldOutMiou', 'heldOutStep'] as const;

/** The metric history's problems: at most a few, each naming the entry and field. */
export function metricsProblems(metrics: unknown): string[] {
  if (!Array.isArray(metrics)) return ['metric history is not a list'];
  const p: string[] = [];
  for (let i = 0; i < metrics.length && p.length < 3; i++) {
    const m = metrics[i] as Record<string, unknown> | null;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      p.push(`metrics[${i}] is not an object (got ${short(m)})`);
      continue;
    }
    // NaN and ±Infinity are kept on purpose (a diverged loss is history); strings are not numbers.
    for (const k of METRIC_NUMBERS) if (typeof m[k] !== 'number') p.push(`metrics[${i}].${k} is not a number (got ${short(m[k])})`);
    for (const k of OPTIONAL_METRIC_NUMBERS) if (m[k] !== undefined && typeof m[k] !== 'number') p.push(`metrics[${i}].${k} is not a number (got ${short(m[k])})`);
    const q = m.quantLoss;
    if (typeof q !== 'object' || q === null || Array.isArray(q) || !Object.values(q).every((v) => typeof v === 'number')) {
      p.push(`metrics[${i}].quantLoss is not an object of numbers`);
    }
  }
  return p;
}

interface UntrustedState {
  step?: unknown;
  outChannels?: unknown;
  config?: { model?: LimitedModel; quantizer?: LimitedQuantizer; normalization?: unknown };
  metrics?: unknown;
  input?: { height?: unknown; width?: unknown; channelNames?: unknown; encoding?: unknown } | null;
  savedAt?: unknown;
}

/** Everything wrong with a parsed state before any of it is used (empty when fine). */
export function stateProblems(state: UntrustedState): string[] {
  const model: LimitedModel = state.config?.model ?? {};
  const p = configLimitProblems(model, state.config?.quantizer ?? {}, state.outChannels ?? undefined);
  if (state.input !== undefined && state.input !== null) {
    if (typeof state.input !== 'object') p.push('input is not an object');
    else p.push(...inputLimitProblems(state.input, model.inChannels));
  }
  // The tokenizer refuses this pair too, but without naming the file; say it here.
  const enc = (state.input as { encoding?: { kind?: unknown } } | null | undefined)?.encoding;
  if (state.config?.normalization !== undefined && enc?.kind === 'classes') p.push('normalization is recorded for class frames, which are never normalized');
  if (state.savedAt !== undefined && typeof state.savedAt !== 'string') p.push(`savedAt is not a string (got ${short(state.savedAt)})`);
  p.push(...metricsProblems(state.metrics));
  return p;
}
