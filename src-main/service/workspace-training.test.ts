import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TrainConfig, TrainProgress } from '../contract/index';
import { createWorkspace } from './workspace';
import type { Workspace } from './workspace';

/** Training through the workspace: in the engine's worker thread (the default) and in process. */
const SMALL: Partial<TrainConfig> = {
  steps: 6,
  batchSize: 2,
  crop: 16,
  model: { inChannels: 18, hidden: 8, latentDim: 4, stages: 2 },
  quantizer: { kind: 'vq', codebookSize: 16 },
};

let dir: string;
let ws: Workspace;

function until(wsp: Workspace, pred: (p: TrainProgress) => boolean, timeoutMs = 240_000): Promise<TrainProgress> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('timed out waiting for training progress'));
    }, timeoutMs);
    const off = wsp.on('trainProgress', (p) => {
      if (pred(p)) {
        clearTimeout(timer);
        off();
        resolve(p);
      }
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-train-'));
  ws = await createWorkspace({ procedural: { frames: 4, size: 32 }, checkpointDir: dir });
});

afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('Workspace training (worker thread)', () => {
  it('offers a default config sized to the open data', async () => {
    const cfg = await ws.defaultTrainConfig();
    expect(cfg.model.inChannels).toBe(18);
    expect(cfg.crop).toBeLessThanOrEqual(32);
    expect(cfg.quantizer.kind).toBe('vq');
  });

  it('refuses a bad config with one clear message', async () => {
    await expect(ws.startTraining({ ...SMALL, quantizer: { kind: 'xq' as 'vq' } })).rejects.toThrow(/config.quantizer.kind: invalid option: expected one of "vq"\|"fsq"/);
    await expect(ws.startTraining({ ...SMALL, batchSize: 0 })).rejects.toThrow('startTraining: config.batchSize: too small: expected number to be >=1, got 0');
    await expect(ws.startTraining({ ...SMALL, model: { inChannels: 18, hidden: 8, latentDim: 4, stages: 6 } })).rejects.toThrow(/model.stages/);
  });

  it('trains to the end with throttled progress, then shows and saves the trained tokenizer', async () => {
    const events: TrainProgress[] = [];
    const off = ws.on('trainProgress', (p) => events.push(p));
    await ws.startTraining(SMALL);
    await expect(ws.startTraining(SMALL)).rejects.toThrow('startTraining: training is already running (stop it first)');
    await ws.waitForTraining();
    off();
    const last = events.at(-1)!;
    expect(last.state).toBe('done');
    expect(last.metrics?.step).toBe(6);
    expect(Number.isFinite(last.metrics?.loss)).toBe(true);
    // Throttled: never more events than steps plus the state changes.
    expect(events.length).toBeLessThanOrEqual(6 + 4);
    expect(events.some((e) => e.usage instanceof Float32Array && e.usage.length === 16)).toBe(true);
    const status = await ws.getStatus();
    expect(status.step).toBe(6);

    const tokens = await ws.getTokens(0);
    expect(tokens.indices.every((id) => id >= 0 && id < 16)).toBe(true);
    const info = await ws.saveCheckpoint();
    expect(info.step).toBe(6);
    expect(path.basename(info.path)).toBe('tokenizer-step6.ckpt');
    // The saved weights are the ones shown: reopening gives the same tokens.
    await ws.openCheckpoint(info.path);
    expect(Array.from((await ws.getTokens(0)).indices)).toEqual(Array.from(tokens.indices));
  });

  it('resumes a saved run from its checkpoint and continues counting steps', async () => {
    const ckpt = path.join(dir, 'tokenizer-step6.ckpt');
    await ws.openCheckpoint(ckpt);
    await ws.startTraining({ ...SMALL, steps: 9 }, { resume: true });
    await ws.waitForTraining();
    expect((await ws.getStatus()).step).toBe(9);
    const info = await ws.saveCheckpoint(path.join(dir, 'resumed.ckpt'));
    expect(info.step).toBe(9);
  });

  it('pauses, resumes and stops a long run on request', async () => {
    await ws.startTraining({ ...SMALL, steps: 100_000 });
    await until(ws, (p) => (p.metrics?.step ?? 0) >= 1);
    const paused = until(ws, (p) => p.state === 'paused');
    await ws.pauseTraining();
    await paused;
    const resumed = until(ws, (p) => p.state === 'running');
    await ws.resumeTraining();
    await resumed;
    await ws.stopTraining();
    const status = await ws.getStatus();
    expect(status.step).toBeGreaterThanOrEqual(1);
    expect(status.step).toBeLessThan(100_000);
    await expect(ws.pauseTraining()).rejects.toThrow('pauseTraining: no training is running');
  });
});

describe('Workspace training (in process)', () => {
  it('runs the same protocol on the calling thread', async () => {
    const local = await createWorkspace({ procedural: { frames: 3, size: 32 }, trainIn: 'process', checkpointDir: dir });
    try {
      const states: string[] = [];
      local.on('trainProgress', (p) => states.push(p.state));
      await local.startTraining({ ...SMALL, steps: 3 });
      await local.waitForTraining();
      expect(states.at(-1)).toBe('done');
      expect((await local.getStatus()).step).toBe(3);
      expect((await local.getDecoded(1)).labels?.length).toBe(32 * 32);
    } finally {
      await local.dispose();
    }
  });
});
