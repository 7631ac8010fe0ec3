import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { checkpointInfo } from '../engine/checkpoint/checkpoint';
import { createWorkspace } from './workspace';
import type { Workspace } from './workspace';
import { SMALL_CONFIG } from './test-config';

/** Periodic checkpoints are named after the step they hold (issue 12, finding 11). */
let dir: string;
let ws: Workspace;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-ckname-'));
  ws = await createWorkspace({ procedural: { frames: 4, size: 32 }, checkpointDir: dir });
});

afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('periodic checkpoint names', () => {
  it('tokenizer-stepN.ckpt holds step N, and resuming from it continues at N', async () => {
    await ws.startTraining({ ...SMALL_CONFIG, steps: 5, crop: 16, checkpointEvery: 2 });
    await ws.waitForTraining();
    // The scheduled saves' weights and optimiser state are the run's snapshots: freed once written.
    const tensorsAfterRun = tf.memory().numTensors;
    const files = (await readdir(dir)).filter((f) => f.endsWith('.ckpt')).sort();
    expect(files).toEqual(['tokenizer-step2.ckpt', 'tokenizer-step4.ckpt']);
    for (const f of files) {
      const step = Number(/step(\d+)/.exec(f)![1]);
      expect((await checkpointInfo(path.join(dir, f))).step).toBe(step);
    }

    await ws.openCheckpoint(path.join(dir, 'tokenizer-step2.ckpt'));
    expect((await ws.getStatus()).step).toBe(2);
    const seen: number[] = [];
    const off = ws.on('trainProgress', (p) => p.metrics && seen.push(p.metrics.step));
    await ws.startTraining({ ...SMALL_CONFIG, steps: 3, crop: 16 }, { resume: true });
    await ws.waitForTraining();
    off();
    // One step from 2 to 3: the resumed run starts where its file's name says (its first report
    // may repeat the checkpoint's last metrics, step 2).
    expect(seen.at(-1)).toBe(3);
    expect(seen.every((step) => step === 2 || step === 3)).toBe(true);
    expect((await ws.getStatus()).step).toBe(3);
    expect(tf.memory().numTensors).toBe(tensorsAfterRun);
  }, 180_000);
});
