import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createProceduralSequence } from '../data/procedural-scene';
import { Tokenizer } from '../engine/tokenizer';
import { saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { SMALL_CONFIG } from './test-config';
import { readTrainingHistory } from './training-history';
import type { TrainMetrics } from '../contract/index';

let dir: string;
const m = (step: number, loss: number) => ({ step, totalSteps: 3, loss, reconLoss: loss, quantLoss: { commit: 0.1 }, perplexity: 2, utilization: 0.5, deadCodes: 1, bitsPerToken: 1, compressionRatio: 1, msPerStep: 1, etaSeconds: 0 }) as TrainMetrics;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(tmpdir(), 'tokenscope-history-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('an earlier run\'s training history', () => {
  it('reads a run folder\'s metrics.jsonl (skipping lines that are not metrics) and the file itself', async () => {
    const run = path.join(dir, 'run');
    await fs.mkdir(run);
    await fs.writeFile(path.join(run, 'metrics.jsonl'), `${JSON.stringify(m(1, 2))}\nnot json\n${JSON.stringify(m(2, 1.5))}\n{"step": 3`);
    const h = await readTrainingHistory(run);
    expect(h.map((x) => [x.step, x.loss])).toEqual([[1, 2], [2, 1.5]]);
    expect(await readTrainingHistory(path.join(run, 'metrics.jsonl'))).toEqual(h);
    await expect(readTrainingHistory(dir)).rejects.toThrow(/no metrics.jsonl/);
  });

  it('reads the history saved in a checkpoint, without leaking tensors', async () => {
    const seq = createProceduralSequence({ seed: 1, frames: 2, size: 32 });
    const tok = new Tokenizer(SMALL_CONFIG, seq.encoding);
    const weights = tok.stateDict();
    const file = path.join(dir, 'h.ckpt');
    await saveCheckpoint(file, { config: SMALL_CONFIG, step: 2, weights, optimizer: null, metrics: [m(1, 3), m(2, 2.5)] });
    tf.dispose(Object.values(weights));
    tok.dispose();
    const before = tf.memory().numTensors;
    const h = await readTrainingHistory(file);
    expect(h.map((x) => x.loss)).toEqual([3, 2.5]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
