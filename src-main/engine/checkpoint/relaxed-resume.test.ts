/**
 * Soft and Gumbel runs resume exactly: N steps, a training checkpoint, a fresh trainer (another
 * seed's weights) resumed from it, M more steps = the N + M straight steps — the same losses,
 * temperatures and gaps. For Gumbel this needs the noise generator's position in the checkpoint.
 */
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig, TrainMetrics } from '../../contract';
import { Rng } from '../../util/rng';
import { initBackend } from '../backend';
import { createQuantizer } from '../quantizers/create-quantizer';
import { Tokenizer } from '../tokenizer';
import { Trainer } from '../train/trainer';
import { smallConfig } from './test-fixtures';
import { resumeTraining, saveTrainingCheckpoint } from './training-checkpoint';

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-relaxed-resume-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const N = 3;
const M = 3;

function build(config: TrainConfig) {
  const tok = new Tokenizer(config, { kind: 'continuous' }, createQuantizer(config.quantizer, config.model.latentDim, config.seed));
  return { tok, trainer: new Trainer(tok, config) };
}

async function steps(trainer: Trainer, from: number, to: number): Promise<TrainMetrics[]> {
  const out: TrainMetrics[] = [];
  for (let i = from; i < to; i++) {
    const rng = new Rng(1000 + i);
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 16 * 16 }, () => rng.normal()), [2, 3, 16, 16]);
    out.push(await trainer.trainStep(x));
    x.dispose();
  }
  return out;
}

const pick = (m: TrainMetrics[]) => m.map((x) => ({ loss: x.loss, temperature: x.temperature, gap: x.softHardGap, gapStep: x.softHardGapStep }));

const CONFIGS: TrainConfig[] = [
  { ...smallConfig({ kind: 'vq', codebookSize: 16, assignment: 'soft', temperature: { start: 2, end: 0.2 }, gapEvery: 3 }), learningRate: 1e-2, steps: N + M },
  { ...smallConfig({ kind: 'vq', codebookSize: 16, assignment: 'gumbel', klWeight: 0.01, temperature: { start: 1, end: 0.1, schedule: 'linear' }, gapEvery: 3 }), learningRate: 1e-2, steps: N + M },
];

describe('soft / Gumbel runs resume from a checkpoint as one run', () => {
  for (const config of CONFIGS) {
    it(`${config.quantizer.assignment}: ${N} steps, save, resume, ${M} more = ${N + M} straight (losses, τ, gaps)`, async () => {
      const straight = build(config);
      const all = pick(await steps(straight.trainer, 0, N + M));
      straight.trainer.dispose();
      straight.tok.dispose();

      const first = build(config);
      await steps(first.trainer, 0, N);
      const file = path.join(dir, `${config.quantizer.assignment}.ckpt`);
      await saveTrainingCheckpoint(file, first.tok, first.trainer);
      first.trainer.dispose();
      first.tok.dispose();

      const resumed = build({ ...config, seed: config.seed + 77 });
      await resumeTraining(file, resumed.tok, resumed.trainer);
      const rest = pick(await steps(resumed.trainer, N, N + M));
      expect(rest).toEqual(all.slice(N));
      // Step 4 is not a gap step (gapEvery 3): it carries step 3's gap, restored from the checkpoint's history.
      expect(rest[0]!.gapStep).toBe(3);
      resumed.trainer.dispose();
      resumed.tok.dispose();
    });
  }

  it('a Gumbel checkpoint is a different model from a hard VQ of the same K (it has a projection to logits)', async () => {
    const file = path.join(dir, 'gumbel.ckpt');
    const { tok, trainer } = build({ ...smallConfig({ kind: 'vq', codebookSize: 16 }), steps: N + M });
    await expect(resumeTraining(file, tok, trainer)).rejects.toThrow(/gumbel\.ckpt: checkpoint is for a different model \(.*vq\(K=16, gumbel\)/);
    trainer.dispose();
    tok.dispose();
  });
});
