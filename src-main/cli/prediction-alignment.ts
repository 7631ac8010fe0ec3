import type { PredictionInfo } from '../contract/index';

/**
 * What `evaluate` says about how an imported predictions file was lined up with the data. A file
 * with no offset, no timestamp and no side file is scored from frame 0; when it does not cover
 * the whole sequence that guess is likely wrong (a rollout usually starts after its context
 * frames), so the user is told to give `--offset`.
 */
export function alignmentWarning(info: PredictionInfo, sequenceLength: number): string | null {
  if (info.alignedBy !== 'assumed') return null;
  const covered = info.mode === 'windows' ? info.rollouts + info.frames - 1 : info.frames;
  if (covered >= sequenceLength) return null;
  return (
    `nothing says where the ${info.frames} predicted frames start (no --offset, no ${info.source}.json side file): ` +
    `they are scored as frames 0..${covered - 1} of the ${sequenceLength}. If they start later — a rollout starts after the frames ` +
    `the model saw — give --offset <first predicted frame> (\`tokenscope predict\` prints it and writes it to the side file)`
  );
}

/** One line: what the predictions are and which frames they stand for (0-based). */
export function describePredictions(info: PredictionInfo): string {
  const start = info.startFrame ?? 0;
  switch (info.mode) {
    case 'one-step':
      return `one-step-ahead predictions of frames ${start}..${start + info.frames - 1}`;
    case 'windows':
      return `${info.rollouts} sliding windows of ${info.frames} frames, starting at frames ${start}..${start + info.rollouts - 1}`;
    default:
      return `${info.rollouts > 1 ? `${info.rollouts} sampled rollouts` : 'one rollout'} of ${info.frames} frames from frame ${start}`;
  }
}
