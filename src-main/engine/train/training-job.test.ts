import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TrainConfig, TrainProgress } from '../../contract';
import { TrainingJob } from './training-job';
import type { TrainSnapshot } from './snapshot';

/** Runs the real worker thread (through the tsx bootstrap) on the procedural scene, small shapes. */
const config = (steps: number, checkpointEvery = 0): TrainConfig => ({
  model: { inChannels: 0, hidden: 8, latentDim: 4, stages: 2 },
  quantizer: { kind: 'vq', codebookSize: 16 },
  learningRate: 3e-3,
  steps,
  batchSize: 2,
  crop: 16,
  seed: 1,
  checkpointEvery,
});

// The procedural scene's channel count comes from its palette; ask the data layer.
const { createProceduralSequence } = await import('../../data/procedural-scene');
const CH = createProceduralSequence({ size: 32, frames: 2 }).channels;
const source = { kind: 'procedural' as const, options: { seed: 2, size: 32, frames: 4 } };
const withChannels = (c: TrainConfig): TrainConfig => ({ ...c, model: { ...c.model, inChannels: CH } });

describe('TrainingJob (worker thread)', () => {
  it('runs to completion with throttled progress and checkpoints every N steps plus a final one', async () => {
    const snapshots: Array<{ step: number; final: boolean }> = [];
    const kept: TrainSnapshot[] = [];
    const progress: TrainProgress[] = [];
    const job = new TrainingJob({
      config: withChannels(config(6, 2)),
      source,
      onCheckpoint: async (s: TrainSnapshot, info) => {
        snapshots.push({ step: s.step, final: info.final });
        kept.push(s);
      },
    });
    let started: { backend: { name: string } } | null = null;
    job.on('started', (s) => (started = s));
    job.on('progress', (p) => progress.push(p));
    const done = await job.done;
    expect(done.reason).toBe('completed');
    expect(done.step).toBe(6);
    expect(Number.isFinite(done.metrics!.loss)).toBe(true);
    expect(started!.backend.name).toBe('wasm');
    expect(snapshots).toEqual([
      { step: 2, final: false },
      { step: 4, final: false },
      { step: 6, final: true },
    ]);
    // First ("started") and last ("completed") always come; between them at most 4 a second.
    expect(progress[0]!.message).toBe('started');
    expect(progress.at(-1)!.state).toBe('done');
    expect(progress.length).toBeLessThanOrEqual(2 + 6);
    expect(progress.at(-1)!.usage!.length).toBe(16);

    // Resume from the step-2 checkpoint: the same run continues, step for step.
    const resumed = new TrainingJob({ config: withChannels(config(6, 0)), source, resume: kept[0] });
    let final: TrainSnapshot | null = null;
    resumed.on('checkpoint', (s, info) => info.final && (final = s));
    const d2 = await resumed.done;
    expect(d2.step).toBe(6);
    expect(final!.history.map((h) => h.loss)).toEqual(kept[2]!.history.map((h) => h.loss));
    expect(Array.from(final!.weights['decoder.net.4.weight']!.data)).toEqual(Array.from(kept[2]!.weights['decoder.net.4.weight']!.data));
  });

  it('pauses, resumes on request, answers a checkpoint request, and stops with a final checkpoint', async () => {
    const finals: number[] = [];
    const job = new TrainingJob({
      config: withChannels(config(100000)),
      source,
      onCheckpoint: (s, info) => {
        if (info.final) finals.push(s.step);
      },
    });
    const progress: TrainProgress[] = [];
    job.on('progress', (p) => progress.push(p));
    await new Promise<void>((r) => job.once('started', () => r()));
    job.pause();
    await waitFor(() => progress.some((p) => p.message === 'paused'));
    const snapA = await job.requestCheckpoint();
    await new Promise((r) => setTimeout(r, 300));
    const snapB = await job.requestCheckpoint();
    expect(snapB.step).toBe(snapA.step); // no steps while paused
    expect(Object.keys(snapA.weights)).toContain('encoder.net.0.weight');
    job.resume();
    await waitFor(() => progress.some((p) => p.message === 'resumed'));
    const done = await job.stop();
    expect(done.reason).toBe('stopped');
    expect(done.step).toBeGreaterThanOrEqual(snapA.step);
    expect(finals).toEqual([done.step]);
  });

  it('writes the native checkpoint file itself and resumes from it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tokenscope-job-'));
    try {
      const file = path.join(dir, 'run.tsckpt');
      const saved: Array<{ step: number; final: boolean }> = [];
      const job = new TrainingJob({ config: withChannels(config(4, 2)), source, checkpointPath: file });
      job.on('checkpointSaved', (s) => saved.push({ step: s.step, final: s.final }));
      await job.done;
      expect(saved).toEqual([
        { step: 2, final: false },
        { step: 4, final: true },
      ]);
      expect(existsSync(file)).toBe(true);
      const resumed = new TrainingJob({ config: withChannels(config(6, 0)), source, resumeFrom: file });
      let startedAt = -1;
      resumed.on('started', (s) => (startedAt = s.step));
      const d = await resumed.done;
      expect(startedAt).toBe(4);
      expect(d.step).toBe(6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a bad config as an error, not a hang', async () => {
    const bad = { ...withChannels(config(3)), model: { inChannels: CH + 1, hidden: 8, latentDim: 4, stages: 2 } };
    const job = new TrainingJob({ config: bad, source });
    await expect(job.done).rejects.toThrow(/channels/);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 20000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
