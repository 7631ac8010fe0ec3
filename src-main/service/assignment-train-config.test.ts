/**
 * Soft / Gumbel assignment from a front door: the form's VQ defaults that a Gumbel quantizer has
 * no use for are dropped, the same options asked for are refused by name; a Gumbel run trains in
 * the worker, reports τ and the soft-vs-hard gap, and its checkpoint reopens with its settings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainMetrics } from '../contract/index';
import { createProceduralSequence } from '../data/procedural-scene';
import { defaultTrainConfigFor, resolveTrainConfig } from './train-config';
import { createWorkspace } from './workspace';

const seq = createProceduralSequence({ frames: 2, size: 32 });

describe('assignment in the training config', () => {
  it('gumbel drops the inherited EMA / k-means / reseeding defaults and keeps what was asked', () => {
    const base = defaultTrainConfigFor(seq);
    expect(base.quantizer.ema).toBe(true);
    const cfg = resolveTrainConfig({ quantizer: { assignment: 'gumbel', klWeight: 0.01, temperature: { start: 1, end: 0.1 } } }, base, seq);
    expect(cfg.quantizer).toEqual({ kind: 'vq', codebookSize: 256, assignment: 'gumbel', klWeight: 0.01, temperature: { start: 1, end: 0.1 } });
  });

  it('soft keeps the VQ options (EMA, k-means) and going back to hard drops the relaxed ones', () => {
    const base = defaultTrainConfigFor(seq);
    const soft = resolveTrainConfig({ quantizer: { assignment: 'soft', temperature: { start: 2, end: 0.5, schedule: 'linear' }, gapEvery: 5 } }, base, seq);
    expect(soft.quantizer).toMatchObject({ ema: true, kmeansInit: true, assignment: 'soft', gapEvery: 5 });
    const hard = resolveTrainConfig({ quantizer: { assignment: 'hard' } }, soft, seq);
    expect(hard.quantizer.temperature).toBeUndefined();
    expect(hard.quantizer.gapEvery).toBeUndefined();
    expect(hard.quantizer.assignment).toBe('hard');
  });

  it('refuses, naming the option, what the assignment cannot honour', () => {
    const base = defaultTrainConfigFor(seq);
    expect(() => resolveTrainConfig({ quantizer: { assignment: 'gumbel', ema: true } }, base, seq)).toThrow(/config.quantizer: gumbel assignment trains its codebook by gradient: ema is not available/);
    expect(() => resolveTrainConfig({ quantizer: { kind: 'fsq', levels: [5, 5], assignment: 'soft' } }, base, seq)).toThrow(/assignment 'soft' applies to kind 'vq' only/);
    expect(() => resolveTrainConfig({ quantizer: { assignment: 'soft', klWeight: 1 } }, base, seq)).toThrow(/klWeight applies to assignment 'gumbel' only/);
    expect(() => resolveTrainConfig({ quantizer: { assignment: 'soft', temperature: { start: 0, end: 1 } } }, base, seq)).toThrow(/config.quantizer.temperature.start/);
    expect(() => resolveTrainConfig({ quantizer: { assignment: 'gumbel' }, model: { arch: 'occworld' } }, base, seq)).toThrow(/OccWorld's VAERes2D trains its own hard VQ/);
  });
});

describe('a Gumbel run through the workspace (worker thread)', () => {
  it('reports τ and the gap, and its checkpoint reopens with the assignment settings', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-gumbel-'));
    const ws = await createWorkspace({ procedural: { frames: 4, size: 32 }, checkpointDir: dir });
    try {
      const metrics: TrainMetrics[] = [];
      ws.on('trainProgress', (p) => p.metrics && metrics.push(p.metrics));
      const quantizer = { kind: 'vq' as const, codebookSize: 16, assignment: 'gumbel' as const, gumbelHard: false, klWeight: 0.01, temperature: { start: 1, end: 0.25, steps: 4, schedule: 'linear' as const }, gapEvery: 2 };
      await ws.startTraining({ steps: 6, batchSize: 2, crop: 16, model: { inChannels: 18, hidden: 8, latentDim: 4, stages: 2 }, quantizer });
      await ws.waitForTraining();
      const last = metrics.at(-1)!;
      expect(last.step).toBe(6);
      expect(last.temperature).toBe(0.25);
      expect(last.softHardGapStep).toBe(6);
      expect(Number.isFinite(last.softHardGap)).toBe(true);
      expect(last.quantLoss.kl).toBeGreaterThanOrEqual(0);
      const tokens = await ws.getTokens(0);
      const info = await ws.saveCheckpoint();
      expect(info.config.quantizer).toEqual(quantizer);
      const reopened = await ws.openCheckpoint(info.path);
      expect(reopened.config.quantizer).toEqual(quantizer);
      expect(Array.from((await ws.getTokens(0)).indices)).toEqual(Array.from(tokens.indices));
      // The DDP kit's train.py implements hard VQ only: refused, not trained as something else.
      await expect(ws.exportTrainKit(path.join(dir, 'kit'))).rejects.toThrow(/the training kit trains hard VQ only; this tokenizer trains with gumbel assignment/);
    } finally {
      await ws.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
