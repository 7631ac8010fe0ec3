import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../contract/index';
import { writeNpy } from '../data/npy';
import { createProceduralSequence } from '../data/procedural-scene';
import { Tokenizer } from '../engine/tokenizer';
import { saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { createWorkspace } from './workspace';
import { SMALL_CONFIG } from './test-config';
import type { Workspace } from './workspace';

/** Predictions through the workspace: the baselines, an imported file, and the metrics the views show. */
const FRAMES = 5;
const SIZE = 32;
const CONFIG: TrainConfig = { ...SMALL_CONFIG, steps: 1, seed: 5 };

let dir: string;
let ws: Workspace;
let truth: Int32Array[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-pred-'));
  ws = await createWorkspace({ procedural: { frames: FRAMES, size: SIZE } });
  const seq = createProceduralSequence({ seed: 7, frames: FRAMES, size: SIZE });
  const tok = new Tokenizer(CONFIG, seq.encoding);
  const weights = tok.stateDict();
  const ckpt = path.join(dir, 'tok.ckpt');
  await saveCheckpoint(ckpt, { config: CONFIG, step: 1, weights, optimizer: null, metrics: [] });
  tf.dispose(Object.values(weights));
  tok.dispose();
  await ws.openCheckpoint(ckpt);
  truth = await Promise.all(Array.from({ length: FRAMES }, async (_, i) => (await ws.getTokens(i)).indices));
});

afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

function agreement(a: Int32Array, b: Int32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

describe('Workspace predictions', () => {
  it('has none until imported or trained, and says how to get some', async () => {
    await expect(ws.getPrediction(1)).rejects.toThrow(/no predictions for this sequence and tokenizer/);
  });

  it('copy-last-frame: frame t is predicted as frame context − 1, scored against the truth', async () => {
    const info = await ws.trainBaselinePredictor({ kind: 'copy', context: 2 });
    expect(info).toMatchObject({ rollouts: 1, frames: FRAMES - 2, horizon: FRAMES - 2 });
    const p = await ws.getPrediction(3);
    expect(Array.from(p.tokens.indices)).toEqual(Array.from(truth[1]!));
    expect(p.tokenAccuracy).toBeCloseTo(agreement(truth[1]!, truth[3]!), 10);
    for (let c = 0; c < 64; c++) expect(p.disagreement[c]).toBe(truth[1]![c] === truth[3]![c] ? 0 : 1);
    expect(p.decoded.labels?.length).toBe(SIZE * SIZE);
    await expect(ws.getPrediction(1)).rejects.toThrow('getPrediction: frame 1 has no prediction (the predictions cover frames 2..4)');
    const acc = await ws.predictionHorizonAccuracy();
    expect(acc.horizon).toEqual([1, 2, 3]);
    expect(acc.mean[1]).toBeCloseTo(agreement(truth[1]!, truth[3]!), 10);
  });

  it('trains the next-frame predictor briefly and rolls it out with several rollouts', async () => {
    const info = await ws.trainBaselinePredictor({ steps: 2, context: 1, rollouts: 2, temperature: 1, topK: 4 });
    expect(info).toMatchObject({ rollouts: 2, frames: FRAMES - 1 });
    const p = await ws.getPrediction(2, 1);
    expect(p.rollout).toBe(1);
    expect(p.tokens.indices.every((id) => id >= 0 && id < 16)).toBe(true);
    const acc = await ws.predictionHorizonAccuracy();
    expect(acc.perRollout.length).toBe(2);
    expect(acc.horizon.length).toBe(FRAMES - 1);
    for (const a of acc.mean) expect(a).toBeGreaterThanOrEqual(0);
    await expect(ws.getPrediction(2, 2)).rejects.toThrow(/rollout must be an integer in 0..1/);
  });

  it('imports a predictions file aligned by offset: the true tokens score 100 %', async () => {
    const file = path.join(dir, 'pred.npy');
    const data = new Int32Array(3 * 64);
    for (let j = 0; j < 3; j++) data.set(truth[j + 2]!, j * 64);
    await writeNpy(file, data, [3, 8, 8]);
    const info = await ws.importPredictions(file, { offset: 2 });
    expect(info).toMatchObject({ source: file, rollouts: 1, frames: 3 });
    const p = await ws.getPrediction(4);
    expect(p.tokenAccuracy).toBe(1);
    expect(p.disagreement.every((d) => d === 0)).toBe(true);
    expect((await ws.predictionHorizonAccuracy()).mean).toEqual([1, 1, 1]);
  });

  it('refuses a predictions file that does not fit, naming the file and the problem', async () => {
    const bad = path.join(dir, 'bad.npy');
    await writeNpy(bad, new Int32Array(2 * 64).fill(99), [2, 8, 8]);
    await expect(ws.importPredictions(bad)).rejects.toThrow(/bad\.npy/);
    const grid = path.join(dir, 'grid.npy');
    await writeNpy(grid, new Int32Array(2 * 16), [2, 4, 4]);
    await expect(ws.importPredictions(grid)).rejects.toThrow(/grid\.npy/);
  });

  it('forgets predictions when another sequence opens', async () => {
    await ws.openProcedural({ seed: 9, frames: FRAMES, size: SIZE });
    await expect(ws.getPrediction(2)).rejects.toThrow(/no predictions/);
  });
});
