/**
 * The adversarial objective's training curves: G and D losses, the adaptive weight λ, the
 * feature-matching term and the mean logits, as flat series names (`adv.*`) beside the others.
 */
import type { TrainMetrics } from '../../../../src-main/contract/index';

export const ADVERSARIAL_SERIES = {
  'adv.g': 'G loss',
  'adv.d': 'D loss',
  'adv.fm': 'feature matching',
  'adv.lambda': 'λ (adaptive weight)',
  'adv.real': 'D(real)',
  'adv.fake': 'D(fake)',
} as const;

export function flattenAdversarial(m: TrainMetrics): Record<string, number> {
  const a = m.adversarial;
  if (!a) return {};
  return { 'adv.g': a.gLoss, 'adv.d': a.dLoss, 'adv.fm': a.featureMatching, 'adv.lambda': a.lambda, 'adv.real': a.logitsReal, 'adv.fake': a.logitsFake };
}

/** The series of `keys` that the columns hold, labelled and coloured for a chart. */
export function adversarialChartSeries(
  values: Map<string, number[]>,
  keys: Array<keyof typeof ADVERSARIAL_SERIES>,
  palette: readonly string[],
): Array<{ label: string; color: string; values: number[] }> {
  return keys.filter((k) => values.has(k)).map((k, i) => ({ label: ADVERSARIAL_SERIES[k], color: palette[i % palette.length]!, values: values.get(k)! }));
}
