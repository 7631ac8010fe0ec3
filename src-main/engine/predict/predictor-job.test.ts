import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import { PredictorTrainingJob } from './predictor-job';
import type { PredictorProgress } from './predictor-training';
import type { TokenVolume } from './token-volume';

/** Runs the real worker thread (through the tsx bootstrap), small shapes. */
function volume(seed: number): TokenVolume {
  const rng = new Rng(seed);
  return { data: Int32Array.from({ length: 6 * 4 * 4 }, () => rng.int(10)), frames: 6, h: 4, w: 4, depth: 1, codebookSize: 10 };
}
const model = { dim: 16, heads: 2, layers: 1 };

describe('PredictorTrainingJob (worker thread)', () => {
  it('trains to completion with throttled progress, scheduled snapshots and the final one as the trained model', async () => {
    const seen: Array<{ step: number; final: boolean }> = [];
    const progress: PredictorProgress[] = [];
    const job = new PredictorTrainingJob({
      volumes: [volume(1)],
      model,
      options: { steps: 6, batchSize: 2, checkpointEvery: 3 },
      onCheckpoint: (s, info) => void seen.push({ step: s.step, final: info.final }),
    });
    let started: { backend: { name: string }; parameters: number } | null = null;
    job.on('started', (s) => (started = s));
    job.on('progress', (p) => progress.push(p));
    const done = await job.done;
    expect(done.reason).toBe('completed');
    expect(done.step).toBe(6);
    expect(Number.isFinite(done.metrics!.loss)).toBe(true);
    expect(started!.backend.name).toBe('wasm');
    expect(started!.parameters).toBeGreaterThan(0);
    expect(seen).toEqual([
      { step: 3, final: false },
      { step: 6, final: true },
    ]);
    expect(done.snapshot.step).toBe(6);
    expect(Object.keys(done.snapshot.weights)).toContain('embed.weight');
    expect(progress[0]!.message).toBe('started');
    expect(progress.at(-1)!.state).toBe('done');
    expect(progress.length).toBeLessThanOrEqual(2 + 6);
  });

  it('pauses, answers a snapshot request, resumes, and stops with a final snapshot', async () => {
    const job = new PredictorTrainingJob({ volumes: [volume(2)], model, options: { steps: 100000, batchSize: 2, progressHz: 4 } });
    const progress: PredictorProgress[] = [];
    job.on('progress', (p) => progress.push(p));
    await new Promise<void>((r) => job.once('started', () => r()));
    job.pause();
    await new Promise<void>((resolve) => {
      const check = (p: PredictorProgress) => {
        if (p.state === 'paused') {
          job.off('progress', check);
          resolve();
        }
      };
      job.on('progress', check);
    });
    const snap = await job.requestCheckpoint();
    const held = snap.step;
    await new Promise((r) => setTimeout(r, 300));
    const snap2 = await job.requestCheckpoint();
    expect(snap2.step).toBe(held);
    const resumed = new Promise<void>((resolve) => {
      const check = (p: PredictorProgress) => {
        if (p.message === 'resumed') {
          job.off('progress', check);
          resolve();
        }
      };
      job.on('progress', check);
    });
    job.resume();
    await resumed;
    const done = await job.stop();
    expect(done.reason).toBe('stopped');
    expect(done.step).toBeGreaterThanOrEqual(held);
    expect(done.snapshot.step).toBe(done.step);
    expect(progress.at(-1)).toMatchObject({ state: 'done', message: 'stopped' });
  });

  it('reports a bad start as an error', async () => {
    const job = new PredictorTrainingJob({ volumes: [volume(3)], model: { ...model, heads: 3 }, options: { steps: 2 } });
    await expect(job.done).rejects.toThrow(/dim 16 is not divisible by heads 3/);
  });
});
