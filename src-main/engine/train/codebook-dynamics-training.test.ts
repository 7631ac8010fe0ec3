/**
 * Codebook dynamics through the trainer (wasm): the codebook's own Adam learning rate, reseed
 * events reported per step, every option saved in the checkpoint and an exact resume, no leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReseedEvent, TrainConfig } from '../../contract';
import { Rng } from '../../util/rng';
import { initBackend } from '../backend';
import { checkpointInfo } from '../checkpoint/checkpoint';
import { smallConfig } from '../checkpoint/test-fixtures';
import { buildExportConfig, parseExportConfig } from '../checkpoint/export-config';
import { resumeTraining, saveTrainingCheckpoint } from '../checkpoint/training-checkpoint';
import { createQuantizer } from '../quantizers/create-quantizer';
import { Tokenizer } from '../tokenizer';
import { Trainer } from './trainer';

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-dynamics-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function build(config: TrainConfig): { tok: Tokenizer; trainer: Trainer } {
  const tok = new Tokenizer(config, { kind: 'continuous' }, createQuantizer(config.quantizer, config.model.latentDim, config.seed));
  return { tok, trainer: new Trainer(tok, config) };
}

function batch(i: number): tf.Tensor4D {
  const rng = new Rng(500 + i);
  return tf.tensor4d(Float32Array.from({ length: 2 * 3 * 16 * 16 }, () => rng.normal()), [2, 3, 16, 16]);
}

async function run(trainer: Trainer, from: number, to: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = from; i < to; i++) {
    const x = batch(i);
    losses.push((await trainer.trainStep(x)).loss);
    x.dispose();
  }
  return losses;
}

/** Every codebook-dynamics option at once, on a trained (non-EMA) codebook. */
const DYNAMICS: TrainConfig = {
  ...smallConfig({
    kind: 'vq',
    codebookSize: 32,
    reseed: 'split',
    deadCodeThreshold: 0.05,
    deadAfterSteps: 2,
    reseedNoise: 0.01,
    jitter: 0.02,
    rotationTrick: true,
    emaDecay: 0.5,
    betaSchedule: { start: 1, end: 0.25, steps: 4 },
  }),
  learningRate: 1e-2,
  codebookLearningRate: 1e-3,
  steps: 8,
};

describe('codebook dynamics in the export config', () => {
  it("config.json names them in snake_case for the kit, and a re-import restores them", () => {
    const json = buildExportConfig(DYNAMICS, undefined, { codebookFile: null });
    expect(json.quantizer).toMatchObject({ reseed: 'split', dead_after_steps: 2, reseed_noise: 0.01, jitter: 0.02, rotation_trick: true, beta_schedule: { start: 1, end: 0.25, steps: 4 } });
    const back = parseExportConfig(JSON.parse(JSON.stringify(json)), 'config.json');
    expect(back.train.quantizer).toEqual(DYNAMICS.quantizer);
    expect(back.train.codebookLearningRate).toBe(1e-3);
  });
});

describe('codebook dynamics in training', () => {
  it("Adam's codebook group moves the codebook by its own learning rate (first step: |Δ| ≤ lr, ≈ lr where the gradient is non-zero)", async () => {
    const cfg: TrainConfig = { ...smallConfig({ kind: 'vq', codebookSize: 8 }), learningRate: 1e-2, codebookLearningRate: 1e-4 };
    const { tok, trainer } = build(cfg);
    const before = tok.stateDict();
    await run(trainer, 0, 1);
    const after = tok.stateDict();
    const maxDelta = async (name: string) => {
      const a = await before[name]!.data();
      const b = await after[name]!.data();
      return Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(b[i]! - v)), 0);
    };
    const cb = await maxDelta('quantizer.embedding.weight');
    const enc = await maxDelta('encoder.net.0.weight');
    // Adam's first update is lr · g / (|g| + ε): the step size itself, per group.
    expect(cb).toBeGreaterThan(0.9e-4);
    expect(cb).toBeLessThan(1.01e-4);
    expect(enc).toBeGreaterThan(0.9e-2);
    expect(enc).toBeLessThan(1.01e-2);
    tf.dispose([...Object.values(before), ...Object.values(after)]);
    trainer.dispose();
    tok.dispose();
  });

  it('reports reseed events, saves every option in the checkpoint and resumes the same run (losses and events)', async () => {
    const straight = build(DYNAMICS);
    const events: ReseedEvent[][] = [];
    const all: number[] = [];
    for (let i = 0; i < 8; i++) {
      all.push(...(await run(straight.trainer, i, i + 1)));
      events.push(straight.trainer.reseedLog().filter((e) => e.step === i + 1));
    }
    const log = straight.trainer.reseedLog();
    expect(log.length).toBeGreaterThan(0);
    for (const e of log) {
      expect(e.source).toBe('split');
      expect(e.from!.length).toBe(e.codes.length);
      for (const p of e.from!) expect(e.codes).not.toContain(p); // a code never splits off itself
    }
    expect(straight.trainer.reseededTotal).toBe(log.reduce((n, e) => n + e.codes.length, 0));
    straight.trainer.dispose();
    straight.tok.dispose();

    const first = build(DYNAMICS);
    await run(first.trainer, 0, 4);
    const file = path.join(dir, 'dynamics.ckpt');
    await saveTrainingCheckpoint(file, first.tok, first.trainer);
    first.trainer.dispose();
    first.tok.dispose();
    const info = await checkpointInfo(file);
    expect(info.config.quantizer).toMatchObject({
      reseed: 'split',
      deadAfterSteps: 2,
      reseedNoise: 0.01,
      jitter: 0.02,
      rotationTrick: true,
      betaSchedule: { start: 1, end: 0.25, steps: 4 },
    });
    expect(info.config.codebookLearningRate).toBe(1e-3);

    const resumed = build(DYNAMICS);
    await resumeTraining(file, resumed.tok, resumed.trainer);
    const held = tf.memory().numTensors;
    const rest: number[] = [];
    for (let i = 4; i < 8; i++) {
      rest.push(...(await run(resumed.trainer, i, i + 1)));
      expect(resumed.trainer.reseedLog().filter((e) => e.step === i + 1)).toEqual(events[i]);
    }
    expect(rest).toEqual(all.slice(4));
    expect(tf.memory().numTensors).toBe(held); // no tensor leaks across steps, reseeds included
    resumed.trainer.dispose();
    resumed.tok.dispose();
  });
});
