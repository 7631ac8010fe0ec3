import type { PredictionInfo } from '../../../../src-main/contract/index';

/**
 * What the predictions tab says about the predictions it shows: their mode in words, which frames
 * they cover, and — in the numbering the panel uses (frame 1 is the first) — why a frame has no
 * prediction. The service counts frames from 0; the panel from 1, so nothing from the service's
 * 0-based messages is shown for a frame outside the predictions (the "frame 1 has no prediction"
 * shown at frame 2 of issue 11).
 */
export type PredictionMode = NonNullable<PredictionInfo['mode']>;

export const MODE_LABELS: Record<PredictionMode, string> = {
  rollout: 'one rollout from a start frame',
  'one-step': 'one-step-ahead predictions of every frame',
  windows: 'sliding windows from every start frame',
};

/** First and last frame (0-based) the predictions stand for. */
export function coverage(info: PredictionInfo): { first: number; last: number } {
  const first = info.startFrame ?? 0;
  const last = info.mode === 'windows' ? first + info.rollouts - 1 + info.frames - 1 : first + info.frames - 1;
  return { first, last };
}

/** Whether frame `index` (0-based) has a prediction to show for `pick` (a rollout; for windows the steps ahead − 1). */
export function hasPrediction(info: PredictionInfo, index: number, pick: number): boolean {
  const first = info.startFrame ?? 0;
  if (info.mode === 'windows') {
    const s = index - first - pick;
    return pick >= 0 && pick < info.frames && s >= 0 && s < info.rollouts;
  }
  const j = index - first;
  return j >= 0 && j < info.frames;
}

/** The note shown instead of a prediction at frame `index` (0-based), in the panel's 1-based numbering. */
export function noPredictionNote(info: PredictionInfo, index: number, pick: number): string {
  const { first, last } = coverage(info);
  const at = info.mode === 'windows' ? ` ${pick + 1} step${pick ? 's' : ''} ahead` : '';
  const why = index < first ? (first > 0 ? ` (frames 1–${first} are what the model saw)` : '') : '';
  return `frame ${index + 1} has no prediction${at}: the predictions cover frames ${first + 1}–${last + 1}${why}`;
}

/** One line for the info bar: the mode and the frames covered (1-based). */
export function describeMode(info: PredictionInfo): string {
  const mode = info.mode ?? 'rollout';
  const { first, last } = coverage(info);
  const shape = mode === 'windows' ? `${info.rollouts} windows × ${info.frames} frames` : mode === 'rollout' && info.rollouts > 1 ? `${info.rollouts} rollouts × ${info.frames} frames` : `${info.frames} frames`;
  return `${MODE_LABELS[mode]} · ${shape} · frames ${first + 1}–${last + 1}`;
}

/** The options the second picker offers: rollouts, or for sliding windows the steps ahead. */
export function pickOptions(info: PredictionInfo): { value: number; label: string }[] {
  if (info.mode === 'windows') return Array.from({ length: info.frames }, (_, k) => ({ value: k, label: `${k + 1} step${k ? 's' : ''} ahead` }));
  if (info.mode === 'one-step' || info.rollouts < 2) return [];
  return Array.from({ length: info.rollouts }, (_, r) => ({ value: r, label: `rollout ${r}` }));
}
