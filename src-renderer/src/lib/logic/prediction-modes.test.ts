import { describe, expect, it } from 'vitest';
import { coverage, describeMode, hasPrediction, noPredictionNote, pickOptions } from './prediction-modes';

const rollout = { source: 'p.npy', rollouts: 1, frames: 4, horizon: 4, mode: 'rollout' as const, startFrame: 2 };
const windows = { source: 'w.npy', rollouts: 3, frames: 2, horizon: 2, mode: 'windows' as const, startFrame: 1 };

describe('prediction modes in the predictions tab', () => {
  it('counts frames from 1 like the panel: at frame 2 (index 1) of a rollout from index 2 it names frame 2, not frame 1', () => {
    expect(hasPrediction(rollout, 1, 0)).toBe(false);
    const note = noPredictionNote(rollout, 1, 0);
    expect(note).toContain('frame 2 has no prediction');
    expect(note).not.toContain('frame 1 has no prediction');
    expect(note).toContain('frames 3–6');
    expect(hasPrediction(rollout, 2, 0)).toBe(true);
    expect(hasPrediction(rollout, 6, 0)).toBe(false);
  });

  it('sliding windows: coverage spans every window; a frame is predicted only at the steps ahead some window reaches it', () => {
    expect(coverage(windows)).toEqual({ first: 1, last: 4 });
    expect(hasPrediction(windows, 1, 0)).toBe(true);
    expect(hasPrediction(windows, 1, 1)).toBe(false);
    expect(noPredictionNote(windows, 1, 1)).toBe('frame 2 has no prediction 2 steps ahead: the predictions cover frames 2–5');
    expect(pickOptions(windows).map((o) => o.label)).toEqual(['1 step ahead', '2 steps ahead']);
  });

  it('labels say what the predictions are', () => {
    expect(describeMode(rollout)).toBe('one rollout from a start frame · 4 frames · frames 3–6');
    expect(describeMode({ ...rollout, mode: 'one-step', startFrame: 1, frames: 5 })).toBe('one-step-ahead predictions of every frame · 5 frames · frames 2–6');
    expect(describeMode(windows)).toContain('3 windows × 2 frames');
    expect(pickOptions({ ...rollout, rollouts: 3 })).toHaveLength(3);
    expect(pickOptions(rollout)).toEqual([]);
  });
});
