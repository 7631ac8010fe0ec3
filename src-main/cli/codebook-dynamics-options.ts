import { InvalidArgumentError, Option, type Command } from 'commander';
import type { QuantizerConfig, ReseedEvent } from '../contract';
import { reseedSummary } from '../engine/quantizers/codebook-dynamics';
import { floatOption, intOption } from './options';

/**
 * `tokenscope train`'s codebook-dynamics flags (docs/design-notes/codebook-dynamics.md): how VQ
 * codebooks are reseeded, jitter, the rotation trick, the commitment schedule and the codebook's
 * own learning rate. One file so that train-command.ts only gains three lines.
 */
export interface CodebookDynamicsOptions {
  beta?: number;
  betaSchedule?: { start: number; end: number; steps: number };
  reseed?: 'random' | 'largest-error' | 'split' | 'off';
  deadThreshold?: number;
  deadAfterSteps?: number;
  reseedPool?: 'fifo' | 'reservoir';
  reseedPoolSize?: number;
  reseedNoise?: number;
  jitter?: number;
  rotationTrick?: boolean;
  codebookLr?: number;
}

/** `start,end,steps`, e.g. 1,0.25,1000. */
export function betaScheduleOption(value: string): { start: number; end: number; steps: number } {
  const parts = value.split(',').map((s) => s.trim());
  const [start, end, steps] = parts.map(Number);
  if (parts.length !== 3 || !(start! >= 0 && start! <= 100) || !(end! >= 0 && end! <= 100) || !Number.isInteger(steps) || steps! < 1) {
    throw new InvalidArgumentError('expected start,end,steps: two weights in 0..100 and a step count ≥ 1, e.g. 1,0.25,1000.');
  }
  return { start: start!, end: end!, steps: steps! };
}

export function addCodebookDynamicsOptions(cmd: Command): Command {
  return cmd
    .option('--beta <x>', 'commitment weight β (vq, rvq, gvq, lfq, bsq)', floatOption(0, 100))
    .option('--beta-schedule <start,end,steps>', 'commitment weight from start to end linearly over steps, then end (replaces --beta)', betaScheduleOption)
    .addOption(
      new Option('--reseed <mode>', 'dead codes take: a random recent latent, the worst-quantized latents, a split of the most used code + noise, or nothing').choices([
        'random',
        'largest-error',
        'split',
        'off',
      ]),
    )
    .option('--dead-threshold <x>', 'a code whose EMA count falls below x is dead (0: by count never)', floatOption(0, 1e9))
    .option('--dead-after-steps <n>', 'a code not assigned for n steps is dead too (0: off)', intOption(0, 1_000_000_000))
    .addOption(new Option('--reseed-pool <kind>', "--reseed random draws from the newest latents (fifo) or a uniform reservoir sample of all seen").choices(['fifo', 'reservoir']))
    .option('--reseed-pool-size <n>', 'latent rows the reseed pool holds (default 4096)', intOption(1, 1_000_000))
    .option('--reseed-noise <sigma>', 'σ of Gaussian noise added to every reseeded code', floatOption(0, 1000))
    .option('--jitter <sigma>', 'σ of Gaussian noise on the latents before quantization (training only)', floatOption(0, 1000))
    .option('--rotation-trick', 'gradients through the rotation trick (Fifty et al. 2024) instead of straight-through')
    .option('--codebook-lr <x>', "Adam's learning rate for a trained codebook (its own parameter group; default --lr)", floatOption(1e-7, 1));
}

/** The quantizer fields the flags ask for (the workspace checks them against the kind). */
export function codebookDynamicsQuantizer(o: CodebookDynamicsOptions): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  if (o.beta !== undefined) q.beta = o.beta;
  if (o.betaSchedule) q.betaSchedule = o.betaSchedule;
  if (o.reseed) q.reseed = o.reseed;
  if (o.deadThreshold !== undefined) q.deadCodeThreshold = o.deadThreshold;
  if (o.deadAfterSteps !== undefined) q.deadAfterSteps = o.deadAfterSteps;
  if (o.reseedPool) q.reseedPool = o.reseedPool;
  if (o.reseedPoolSize !== undefined) q.reseedPoolSize = o.reseedPoolSize;
  if (o.reseedNoise !== undefined) q.reseedNoise = o.reseedNoise;
  if (o.jitter !== undefined) q.jitter = o.jitter;
  if (o.rotationTrick) q.rotationTrick = true;
  return q;
}

/** The TrainConfig fields (outside the quantizer) the flags ask for. */
export function codebookDynamicsTrain(o: CodebookDynamicsOptions): Record<string, unknown> {
  return o.codebookLr !== undefined ? { codebookLearningRate: o.codebookLr } : {};
}

/** The summary line printed after a run whose quantizer reseeds dead codes (null: it does not). */
export function reseedLine(q: QuantizerConfig, events: readonly ReseedEvent[] | undefined): string | null {
  const vqFamily = q.kind === 'vq' || q.kind === 'rvq' || q.kind === 'gvq';
  const reseeds = q.reseed !== 'off' && ((q.deadCodeThreshold ?? 0) > 0 || (q.deadAfterSteps ?? 0) > 0);
  return vqFamily && reseeds ? reseedSummary(events ?? []) : null;
}

/** `tokenscope info`'s "dynamics" line: the codebook-dynamics settings a checkpoint was trained with (null: none set). */
export function dynamicsInfoLine(c: { quantizer: QuantizerConfig; codebookLearningRate?: number }): string | null {
  const q = c.quantizer;
  const parts: string[] = [];
  if (q.reseed !== undefined || q.deadCodeThreshold || q.deadAfterSteps) {
    const dead = [q.deadCodeThreshold ? `EMA count < ${q.deadCodeThreshold}` : '', q.deadAfterSteps ? `unused ${q.deadAfterSteps} steps` : ''].filter(Boolean).join(' or ');
    parts.push(`reseed ${q.reseed ?? 'random'}${dead ? ` (dead: ${dead})` : ''}`);
  }
  if (q.reseedPool || q.reseedPoolSize) parts.push(`pool ${q.reseedPool ?? 'fifo'} ${q.reseedPoolSize ?? 4096}`);
  if (q.reseedNoise) parts.push(`reseed noise σ ${q.reseedNoise}`);
  if (q.jitter) parts.push(`jitter σ ${q.jitter}`);
  if (q.rotationTrick) parts.push('rotation trick');
  if (q.betaSchedule) parts.push(`β ${q.betaSchedule.start} → ${q.betaSchedule.end} over ${q.betaSchedule.steps} steps`);
  if (c.codebookLearningRate !== undefined) parts.push(`codebook lr ${c.codebookLearningRate}`);
  return parts.length ? `dynamics    ${parts.join(', ')}` : null;
}
