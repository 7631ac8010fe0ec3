import type { Predictions } from '../../data/predictions';
import type { PredictionVolume } from './token-volume';

/** An imported predictions file as a PredictionVolume (treated as rollouts from its offset). */
export function volumeFromPredictions(p: Predictions, codebookSize: number): PredictionVolume {
  return {
    data: p.tokens,
    rollouts: p.rollouts,
    frames: p.frames,
    h: p.h,
    w: p.w,
    depth: p.depth,
    codebookSize,
    startFrame: p.offset,
    mode: 'rollout',
  };
}

/** The fields `writePredictions` needs, from a PredictionVolume. */
export function predictionsOfVolume(v: PredictionVolume): Pick<Predictions, 'tokens' | 'rollouts' | 'frames' | 'h' | 'w' | 'depth'> {
  return { tokens: v.data, rollouts: v.rollouts, frames: v.frames, h: v.h, w: v.w, depth: v.depth };
}
