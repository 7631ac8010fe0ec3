import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { PredictorProgressEvent, TrainConfig } from '../contract/index';
import { createProceduralSequence } from '../data/procedural-scene';
import { saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { Tokenizer } from '../engine/tokenizer';
import { SMALL_CONFIG } from './test-config';
import { createWorkspace } from './workspace';
import type { Workspace } from './workspace';

/**
 * The baseline predictor trains in its worker (issue 11): progress events with loss, accuracy and
 * ETA while the call is pending, pause / resume / stop like the tokenizer's run, and a stopped run
 * still yields predictions.
 */
const FRAMES = 5;
const SIZE = 32;
const CONFIG: TrainConfig = { ...SMALL_CONFIG, steps: 1, seed: 5 };

let dir: string;
let ws: Workspace;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-baseline-'));
  ws = await createWorkspace({ procedural: { frames: FRAMES, size: SIZE } });
  const seq = createProceduralSequence({ seed: 7, frames: FRAMES, size: SIZE });
  const tok = new Tokenizer(CONFIG, seq.encoding);
  const weights = tok.stateDict();
  const ckpt = path.join(dir, 'tok.ckpt');
  await saveCheckpoint(ckpt, { config: CONFIG, step: 1, weights, optimizer: null, metrics: [] });
  tf.dispose(Object.values(weights));
  tok.dispose();
  await ws.openCheckpoint(ckpt);
});

afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('baseline predictor in its worker', () => {
  it('reports loss and accuracy as it trains, and the trained model predicts', async () => {
    const events: PredictorProgressEvent[] = [];
    const off = ws.on('predictorProgress', (p) => events.push(p));
    const info = await ws.trainBaselinePredictor({ steps: 40 });
    off();
    expect(info.frames).toBeGreaterThan(0);
    const withLoss = events.filter((e) => e.loss !== undefined);
    expect(withLoss.length).toBeGreaterThanOrEqual(2);
    expect(withLoss.every((e) => e.tokenAccuracy! >= 0 && e.tokenAccuracy! <= 1)).toBe(true);
    const steps = withLoss.map((e) => e.step);
    expect(steps.at(-1)).toBe(40);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(events.at(-1)!.state).toBe('done');
    expect((await ws.getPrediction(FRAMES - 1)).tokenAccuracy).toBeGreaterThanOrEqual(0);
  });

  it('pauses, resumes and stops like the tokenizer run; a stopped run still predicts', async () => {
    const events: PredictorProgressEvent[] = [];
    const off = ws.on('predictorProgress', (p) => events.push(p));
    const call = ws.trainBaselinePredictor({ steps: 100_000, seed: 3 });
    await expect.poll(() => events.some((e) => e.state === 'running' && e.step > 0), { timeout: 120_000, interval: 50 }).toBe(true);
    await ws.pausePredictor();
    await expect.poll(() => events.at(-1)?.state, { timeout: 60_000, interval: 50 }).toBe('paused');
    const pausedAt = events.at(-1)!.step;
    await ws.resumePredictor();
    await expect.poll(() => events.some((e) => e.state === 'running' && e.step > pausedAt), { timeout: 60_000, interval: 50 }).toBe(true);
    await ws.stopPredictor();
    const info = await call;
    off();
    expect(info.source).toMatch(/baseline/);
    const last = events.at(-1)!;
    expect(last.state).toBe('done');
    expect(last.step).toBeLessThan(100_000);
    await expect(ws.stopPredictor()).rejects.toThrow(/not training/);
  });
});
