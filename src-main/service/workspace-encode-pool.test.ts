import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../contract/index';
import { createProceduralSequence } from '../data/procedural-scene';
import { Tokenizer } from '../engine/tokenizer';
import { saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { inferenceWorkersStarted } from '../engine/infer/inference-worker';
import { encodeSequenceInProcess } from './tokenizer-ops';
import { createWorkspace } from './workspace';
import type { Workspace } from './workspace';
import { SMALL_CONFIG } from './test-config';

/**
 * Whole-sequence encodes share one long-lived inference pool: a second job with new weights of
 * the same architecture starts no worker and encodes with the new weights; another architecture
 * gets a new pool.
 */
const FRAMES = 4;
const SIZE = 32;
const CONFIG: TrainConfig = SMALL_CONFIG;
const OTHER_ARCH: TrainConfig = { ...CONFIG, model: { ...CONFIG.model, hidden: 4 } };

let dir: string;
let ws: Workspace;
const seq = createProceduralSequence({ seed: 7, frames: FRAMES, size: SIZE });

/** Saves a tokenizer with seeded random weights; returns its path. */
async function checkpoint(name: string, config: TrainConfig): Promise<string> {
  const tok = new Tokenizer(config, seq.encoding);
  const weights = tok.stateDict();
  const file = path.join(dir, name);
  await saveCheckpoint(file, { config, step: 1, weights, optimizer: null, metrics: [] });
  tf.dispose(Object.values(weights));
  tok.dispose();
  return file;
}

/** The sequence's tokens under `config` with `config.seed`'s weights, encoded on this thread. */
async function inProcess(config: TrainConfig): Promise<Int32Array> {
  const tok = new Tokenizer(config, seq.encoding);
  try {
    return (await encodeSequenceInProcess(tok, seq, () => undefined)).indices;
  } finally {
    tok.dispose();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-pool-'));
  ws = await createWorkspace({ procedural: { seed: 7, frames: FRAMES, size: SIZE }, checkpointDir: dir });
});

afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('Workspace whole-sequence encoding', () => {
  it('reuses its worker pool for new weights of the same architecture, and replaces it for another', async () => {
    const a = await checkpoint('a.ckpt', CONFIG);
    const b = await checkpoint('b.ckpt', { ...CONFIG, seed: 11 });
    const c = await checkpoint('c.ckpt', OTHER_ARCH);

    const before = inferenceWorkersStarted();
    await ws.openCheckpoint(a);
    const first = await ws.encodeAll();
    const afterFirst = inferenceWorkersStarted();
    expect(afterFirst).toBeGreaterThan(before); // the first job starts the pool
    expect(Array.from(first.indices)).toEqual(Array.from(await inProcess(CONFIG)));
    // The status names what encoded (ONNX Runtime where it loads, else TensorFlow.js) and how many workers.
    expect((await ws.getStatus()).encodeEngine).toMatch(/^(ONNX Runtime \d+\.\d+\.\d+ \(CPU\)|TensorFlow\.js \w+), \d+ workers?$/);

    await ws.openCheckpoint(b);
    const second = await ws.encodeAll();
    expect(inferenceWorkersStarted()).toBe(afterFirst); // same architecture: no new worker
    const expected = await inProcess({ ...CONFIG, seed: 11 });
    expect(Array.from(second.indices)).toEqual(Array.from(expected));
    expect(Array.from(second.indices)).not.toEqual(Array.from(first.indices)); // the weights really changed

    await ws.openCheckpoint(c);
    const third = await ws.encodeAll();
    expect(inferenceWorkersStarted()).toBeGreaterThan(afterFirst); // another architecture: a new pool
    expect(Array.from(third.indices)).toEqual(Array.from(await inProcess(OTHER_ARCH)));
  });
});
