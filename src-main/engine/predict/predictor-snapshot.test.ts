import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '../backend/init-backend';
import { writeSafetensors } from '../checkpoint/safetensors';
import { Rng } from '../../util/rng';
import { loadPredictor, readPredictorCheckpoint, writePredictorCheckpoint, type PredictorSnapshot } from './predictor-snapshot';
import { PredictorTrainingLoop } from './predictor-training';
import type { NextFramePredictor } from './next-frame-model';
import type { TokenVolume } from './token-volume';

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-predictor-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function volume(seed: number): TokenVolume {
  const rng = new Rng(seed);
  return { data: Int32Array.from({ length: 8 * 4 * 4 }, () => rng.int(10)), frames: 8, h: 4, w: 4, depth: 1, codebookSize: 10 };
}

const model = { dim: 16, heads: 2, layers: 1 };

async function logitsOf(m: NextFramePredictor, v: TokenVolume): Promise<Float32Array> {
  const t = tf.tidy(() => m.logits(tf.tensor(v.data.slice(0, 2 * 16), [1, 2, 4, 4, 1], 'int32')));
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return d;
}

describe('predictor checkpoints and the training loop', () => {
  it('snapshots on schedule and at the end; the file round-trips to the same predictions', async () => {
    const v = volume(1);
    const loop = new PredictorTrainingLoop([v], model, { steps: 6, batchSize: 2, checkpointEvery: 2, seed: 3 });
    const seen: Array<{ step: number; final: boolean }> = [];
    let last: PredictorSnapshot | undefined;
    await loop.run({
      onCheckpoint: (s, info) => {
        seen.push({ step: s.step, final: info.final });
        last = s;
      },
    });
    expect(seen).toEqual([
      { step: 2, final: false },
      { step: 4, final: false },
      { step: 6, final: true },
    ]);
    const file = path.join(dir, 'pred.safetensors');
    await writePredictorCheckpoint(file, last!);
    const back = await readPredictorCheckpoint(file);
    expect(back.step).toBe(6);
    expect(back.config).toEqual(loop.model.config);
    expect(back.history.map((h) => h.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Object.keys(back.optimizer!.tensors).length).toBe(2 * Object.keys(last!.weights).length);
    const restored = await loadPredictor(file);
    expect(Array.from(await logitsOf(restored, v))).toEqual(Array.from(await logitsOf(loop.model, v)));
    restored.dispose();
    loop.dispose();
    loop.disposeModel();
  });

  it('a resumed run starts from the snapshot: weights, Adam moments, step and history', async () => {
    const v = volume(2);
    const straight = new PredictorTrainingLoop([v], model, { steps: 4, batchSize: 2, seed: 5 });
    await straight.run();
    let mid: PredictorSnapshot | undefined;
    const first = new PredictorTrainingLoop([v], model, { steps: 2, batchSize: 2, seed: 5 });
    await first.run({ onCheckpoint: (s) => void (mid = s) });
    const resumed = new PredictorTrainingLoop([v], model, { steps: 4, batchSize: 2, seed: 5 }, mid);
    expect(resumed.step).toBe(2);
    // Adam's moments and step came back with the weights.
    const opt = resumed.trainer.getOptimizerState();
    expect(opt.step).toBe(2);
    const key = 'embed.weight.exp_avg_sq';
    expect(Array.from((await opt.tensors[key]!.data()) as Float32Array)).toEqual(Array.from(mid!.optimizer!.tensors[key]!.data));
    tf.dispose(Object.values(opt.tensors));
    expect(Array.from(await logitsOf(resumed.model, v))).toEqual(Array.from(await logitsOf(first.model, v)));
    await resumed.run();
    expect(resumed.step).toBe(4);
    expect(resumed.trainer.history.map((h) => h.step)).toEqual([1, 2, 3, 4]);
    // The first half is the same run as the uninterrupted one (same seeds, same batches).
    expect(resumed.trainer.history.slice(0, 2).map((h) => h.loss)).toEqual(straight.trainer.history.slice(0, 2).map((h) => h.loss));
    for (const l of [straight, first, resumed]) {
      l.dispose();
      l.disposeModel();
    }
  });

  it('pause holds the run between steps; stop ends it with a final snapshot', async () => {
    const v = volume(3);
    const loop = new PredictorTrainingLoop([v], model, { steps: 1000, batchSize: 2 });
    const states: string[] = [];
    let finalStep = -1;
    const running = loop.run({
      onProgress: (p) => states.push(`${p.state}${p.message ? `:${p.message}` : ''}`),
      onCheckpoint: (s, info) => {
        if (info.final) finalStep = s.step;
      },
    });
    while (loop.step < 2) await new Promise((r) => setTimeout(r, 5));
    loop.pause();
    // The loop says 'paused' once it holds between steps; a step under way when pause() came ends
    // first, and on a busy machine that takes longer than any fixed wait.
    while (!states.includes('paused:paused')) await new Promise((r) => setTimeout(r, 5));
    const held = loop.step;
    await new Promise((r) => setTimeout(r, 150));
    expect(loop.step).toBe(held);
    expect(loop.currentState).toBe('paused');
    loop.resume();
    while (loop.step < held + 2) await new Promise((r) => setTimeout(r, 5));
    loop.stop();
    const done = await running;
    expect(done.reason).toBe('stopped');
    expect(done.step).toBeLessThan(1000);
    expect(finalStep).toBe(done.step);
    expect(states).toContain('paused:paused');
    expect(states).toContain('running:resumed');
    expect(states.at(-1)).toBe('done:stopped');
    loop.dispose();
    loop.disposeModel();
  });

  it('bad checkpoints and bad options give clear errors', async () => {
    const other = path.join(dir, 'other.safetensors');
    await writeSafetensors(other, { x: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }, { format: 'something-else' });
    await expect(readPredictorCheckpoint(other)).rejects.toThrow(/other\.safetensors: not a next-frame predictor checkpoint \(format is something-else/);
    const junk = path.join(dir, 'junk.safetensors');
    await writeFile(junk, 'not a checkpoint');
    await expect(readPredictorCheckpoint(junk)).rejects.toThrow(/junk\.safetensors/);
    expect(() => new PredictorTrainingLoop([volume(1)], model, { steps: 0 })).toThrow(/steps must be a positive integer, got 0/);
    expect(() => new PredictorTrainingLoop([volume(1), { ...volume(2), codebookSize: 11 }], model)).toThrow(/codebook of 11/);
    expect(() => new PredictorTrainingLoop([], model)).toThrow(/no tokenized sequence/);
  });
});
