import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { Trainer } from '../train/trainer';
import { createQuantizer } from '../quantizers/create-quantizer';
import type { TrainConfig } from '../../contract';
import { Rng } from '../../util/rng';
import { checkpointInfo } from './checkpoint';
import { resumeTraining, saveTrainingCheckpoint } from './training-checkpoint';
import { smallConfig } from './test-fixtures';

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-resume-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const N = 3;
const M = 3;

function build(config: TrainConfig): { tok: Tokenizer; trainer: Trainer } {
  const tok = new Tokenizer(config, { kind: 'continuous' }, createQuantizer(config.quantizer, config.model.latentDim, config.seed));
  return { tok, trainer: new Trainer(tok, config) };
}

/** The same batch sequence every run: batch i depends on i only. */
function batch(i: number): tf.Tensor4D {
  const rng = new Rng(1000 + i);
  const shape: [number, number, number, number] = [2, 3, 16, 16];
  return tf.tensor4d(Float32Array.from({ length: 2 * 3 * 16 * 16 }, () => rng.normal()), shape);
}

async function steps(trainer: Trainer, from: number, to: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = from; i < to; i++) {
    const x = batch(i);
    const m = await trainer.trainStep(x);
    x.dispose();
    losses.push(m.loss);
  }
  return losses;
}

async function sha(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

const CONFIGS: TrainConfig[] = [
  { ...smallConfig({ kind: 'vq', codebookSize: 16, ema: true, emaDecay: 0.9 }), learningRate: 1e-2, steps: N + M },
  { ...smallConfig({ kind: 'rvq', codebookSize: 8, depth: 2 }), learningRate: 1e-2, steps: N + M },
  { ...smallConfig({ kind: 'fsq', levels: [8, 5, 5, 5] }), learningRate: 1e-2, steps: N + M },
  // The app's default VQ: k-means init and random reseeding draw from the quantizer's own RNG and
  // its pool of recent latents, both of which must come back with the checkpoint.
  {
    ...smallConfig({ kind: 'vq', codebookSize: 16, ema: true, emaDecay: 0.5, kmeansInit: true, deadCodeThreshold: 1, reseed: 'random' }),
    learningRate: 1e-2,
    steps: N + M,
  },
];

describe('resume from a checkpoint continues the same run', () => {
  for (const config of CONFIGS) {
    it(`${config.quantizer.kind}${config.quantizer.reseed ? ` (reseed ${config.quantizer.reseed})` : ''}: ${N} steps, save, resume in a fresh trainer, ${M} more = ${N + M} steps straight`, async () => {
      const straight = build(config);
      const all = await steps(straight.trainer, 0, N + M);
      const straightInfo = { history: straight.trainer.history.length, step: straight.trainer.step };
      straight.trainer.dispose();
      straight.tok.dispose();

      const first = build(config);
      const firstLosses = await steps(first.trainer, 0, N);
      expect(firstLosses).toEqual(all.slice(0, N)); // seeded: the same run so far
      const file = path.join(dir, `${config.quantizer.kind}.ckpt`);
      const held = tf.memory().numTensors;
      await saveTrainingCheckpoint(file, first.tok, first.trainer, { extra: { batchesDrawn: N } });
      expect(tf.memory().numTensors).toBe(held); // saving leaves nothing behind
      first.trainer.dispose();
      first.tok.dispose();

      const info = await checkpointInfo(file);
      expect(info.step).toBe(N);
      expect(info.metricsRecorded).toBe(N);

      // A fresh process would build from the config with another seed's weights: the checkpoint must override them.
      const resumed = build({ ...config, seed: config.seed + 77 });
      const { step, extra } = await resumeTraining(file, resumed.tok, resumed.trainer);
      expect(step).toBe(N);
      expect(extra).toEqual({ batchesDrawn: N });
      expect(resumed.trainer.step).toBe(N);
      const rest = await steps(resumed.trainer, N, N + M);
      expect(rest).toEqual(all.slice(N));
      expect(resumed.trainer.history.length).toBe(straightInfo.history);
      expect(resumed.trainer.step).toBe(straightInfo.step);
      resumed.trainer.dispose();
      resumed.tok.dispose();
    });
  }

  it('a corrupt or mismatched checkpoint is refused before the run changes, and the file stays as it was', async () => {
    const config = CONFIGS[0]!;
    const a = build(config);
    await steps(a.trainer, 0, 2);
    const file = path.join(dir, 'keep.ckpt');
    await saveTrainingCheckpoint(file, a.tok, a.trainer);
    const fileSha = await sha(file);

    const bytes = new Uint8Array(await fs.readFile(file));
    bytes[bytes.length - 3]! ^= 0xff;
    const bad = path.join(dir, 'bad.ckpt');
    await fs.writeFile(bad, bytes);
    const b = build(config);
    const sd0 = b.tok.stateDict();
    const w0 = await sd0['encoder.net.0.weight']!.data();
    tf.dispose(Object.values(sd0));
    await expect(resumeTraining(bad, b.tok, b.trainer)).rejects.toThrow(/bad\.ckpt: corrupt checkpoint: checksum mismatch/);
    const other = build({ ...config, model: { ...config.model, hidden: 6 } });
    await expect(resumeTraining(file, other.tok, other.trainer)).rejects.toThrow(/keep\.ckpt: checkpoint is for a different model \(.*hidden 8.*\) than expected \(.*hidden 6/);
    const sd = b.tok.stateDict();
    expect(await sd['encoder.net.0.weight']!.data()).toEqual(w0);
    tf.dispose(Object.values(sd));
    expect(b.trainer.step).toBe(0);
    expect(await sha(file)).toBe(fileSha);
    // The good checkpoint still resumes.
    await resumeTraining(file, b.tok, b.trainer);
    expect(b.trainer.step).toBe(2);
    for (const r of [a, b, other]) {
      r.trainer.dispose();
      r.tok.dispose();
    }
  });
});
