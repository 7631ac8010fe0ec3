import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import type { QuantizerConfig, TrainMetrics } from '../contract/index';
import { floatOption, intOption } from './options';

/**
 * `tokenscope train` options for the VQ training assignment (docs/design-notes/soft-gumbel.md):
 * `--assignment soft|gumbel`, the temperature schedule, the Gumbel sample and prior weight, and
 * how often the soft-vs-hard reconstruction gap is measured.
 */
export interface AssignmentOptions {
  assignment?: 'hard' | 'soft' | 'gumbel';
  temperature?: [number, number];
  tempSteps?: number;
  tempSchedule?: 'linear' | 'exponential';
  gumbelSample?: 'hard' | 'soft';
  klWeight?: number;
  gapEvery?: number;
}

/** `START[,END]`: positive temperatures (END defaults to START: a constant τ). */
export function temperatureOption(value: string): [number, number] {
  const parts = value.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length < 1 || parts.length > 2 || parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n) || n <= 0)) {
    throw new InvalidArgumentError('expected START or START,END, positive numbers, e.g. 1,0.0625.');
  }
  return [nums[0]!, nums[1] ?? nums[0]!];
}

export function addAssignmentOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--assignment <kind>', 'vq: code assignment in training (inference is always hard): argmin + straight-through, softmax(−d/τ) mix, or Gumbel-softmax over projected logits').choices(['hard', 'soft', 'gumbel']))
    .option('--temperature <start[,end]>', 'soft/gumbel: temperature τ annealed from start to end (default 1,0.0625)', temperatureOption)
    .option('--temp-steps <n>', 'soft/gumbel: steps the anneal takes, then τ = end (default: all steps)', intOption(0))
    .addOption(new Option('--temp-schedule <kind>', 'soft/gumbel: shape of the anneal (default exponential)').choices(['linear', 'exponential']))
    .addOption(new Option('--gumbel-sample <kind>', 'gumbel: forward pass with the straight-through hard one-hot sample (default) or the soft sample').choices(['hard', 'soft']))
    .option('--kl-weight <w>', 'gumbel: weight of the KL to the uniform prior (default 0.1; taming: 5e-4)', floatOption(0, 100))
    .option('--gap-every <n>', 'soft/gumbel: measure the soft-vs-hard reconstruction gap every n steps (0: never; default 10)', intOption(0));
}

/** The quantizer fields these options ask for. */
export function assignmentFromOptions(o: AssignmentOptions): Partial<QuantizerConfig> {
  const q: Partial<QuantizerConfig> = {};
  if (o.assignment) q.assignment = o.assignment;
  if (o.temperature || o.tempSteps !== undefined || o.tempSchedule) {
    const [start, end] = o.temperature ?? [1, 1 / 16];
    q.temperature = { start, end };
    if (o.tempSteps !== undefined) q.temperature.steps = o.tempSteps;
    if (o.tempSchedule) q.temperature.schedule = o.tempSchedule;
  }
  if (o.gumbelSample) q.gumbelHard = o.gumbelSample === 'hard';
  if (o.klWeight !== undefined) q.klWeight = o.klWeight;
  if (o.gapEvery !== undefined) q.gapEvery = o.gapEvery;
  return q;
}

/** `τ 0.250  gap +0.0123@40` for a relaxed run's progress line; empty otherwise. */
export function assignmentMetricsText(m: TrainMetrics): string[] {
  const parts: string[] = [];
  if (m.temperature !== undefined) parts.push(`τ ${m.temperature.toPrecision(3)}`);
  if (m.softHardGap !== undefined && Number.isFinite(m.softHardGap)) {
    parts.push(`gap ${m.softHardGap >= 0 ? '+' : ''}${m.softHardGap.toPrecision(3)}@${m.softHardGapStep ?? m.step}`);
  }
  return parts;
}
