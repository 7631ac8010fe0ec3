import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { Trainer } from '../train/trainer';
import { BatchSampler } from '../train/batch-sampler';
import { loadCheckpoint, disposeSnapshot, saveCheckpoint } from '../checkpoint/checkpoint';
import { saveTrainingCheckpoint } from '../checkpoint/training-checkpoint';
import { exportForPyTorch, importFromPyTorch, disposeStateDict } from '../checkpoint/export';
import { openPath } from '../../data/open-path';
import type { FrameSequence } from '../../data/frame';
import { LIDAR_SAMPLE } from '../../data/test-paths';
import type { ChannelNormalization, TrainConfig } from '../../contract';
import { sourceNormalization, validateNormalization } from './normalization';

/**
 * The lidar sample's channels (max height in metres, point density, intensity up to ~100, then
 * 0/1 class indicators) differ in scale: training on them raw makes the error rise. With the
 * source's statistics the tokenizer trains in normalised units and still speaks frame units.
 */
let seq: FrameSequence;
let norm: ChannelNormalization;
let dir: string;

beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  seq = await openPath(LIDAR_SAMPLE);
  norm = (await sourceNormalization(seq))!;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-norm-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const config = (normalization?: ChannelNormalization): TrainConfig => ({
  model: { inChannels: 20, hidden: 16, latentDim: 8, stages: 2 },
  quantizer: { kind: 'vq', codebookSize: 64, beta: 0.25, ema: true, emaDecay: 0.99, kmeansInit: true, deadCodeThreshold: 0.01, reseed: 'random' },
  learningRate: 3e-3,
  steps: 40,
  batchSize: 4,
  crop: 32,
  seed: 0,
  checkpointEvery: 0,
  ...(normalization ? { normalization } : {}),
});

/** Reconstruction error of a fixed batch, per channel in units of the source's std (comparable across runs). */
async function evalError(tok: Tokenizer, x: tf.Tensor4D): Promise<number> {
  const e = tf.tidy(() => {
    const y = tok.reconstruct(x);
    return tf.mean(tf.square(tf.div(tf.sub(y, x), tf.reshape(tf.tensor1d(norm.std), [1, -1, 1, 1]))));
  });
  const v = (await e.data())[0]!;
  e.dispose();
  return v;
}

async function train(cfg: TrainConfig, x: tf.Tensor4D): Promise<{ tok: Tokenizer; trainer: Trainer; before: number; after: number }> {
  const tok = new Tokenizer(cfg, seq.encoding);
  const trainer = new Trainer(tok);
  const sampler = new BatchSampler(seq, cfg.batchSize, cfg.crop, cfg.seed, tok.arch.factor);
  const before = await evalError(tok, x);
  for (let i = 0; i < cfg.steps; i++) await trainer.trainStep(await sampler.next());
  return { tok, trainer, before, after: await evalError(tok, x) };
}

describe('input normalisation on the real lidar sample', () => {
  it('computes statistics for the continuous channels only', () => {
    expect(seq.channelNames.slice(0, 3)).toEqual(['max_height', 'density', 'mean_intensity']);
    validateNormalization(norm, seq.channels, 'lidar');
    for (let c = 0; c < 3; c++) expect(norm.std[c]).not.toBe(1);
    // Intensity is the widest channel by far; class indicators are left alone.
    expect(norm.std[2]!).toBeGreaterThan(5 * norm.std[0]!);
    for (let c = 3; c < 20; c++) expect([norm.mean[c], norm.std[c]]).toEqual([0, 1]);
  });

  it('rejects statistics that do not fit, naming the problem', () => {
    expect(() => new Tokenizer({ ...config(), normalization: { mean: [0], std: [1] } }, seq.encoding)).toThrow('tokenizer: normalization has 1 means and 1 stds for 20 channels');
    const bad = { mean: norm.mean, std: norm.std.map((s, i) => (i === 1 ? 0 : s)) };
    expect(() => new Tokenizer({ ...config(), normalization: bad }, seq.encoding)).toThrow('tokenizer: normalization std of channel 1 is 0, not a positive number');
  });

  it('trains with the stats (error goes down; without them it does not), and they round-trip through a checkpoint and an export', async () => {
    const evalBatch = await new BatchSampler(seq, 8, 64, 99, 4).next();
    const x = tf.tensor4d(evalBatch.data, evalBatch.shape);
    const baseline = tf.memory().numTensors;
    const raw = await train(config(), x);
    raw.trainer.dispose();
    raw.tok.dispose();
    const run = await train(config(norm), x);
    expect(run.after).toBeLessThan(0.9 * run.before);
    expect(run.after).toBeLessThan(raw.after);

    // The native checkpoint keeps the stats in its config…
    const file = path.join(dir, 'lidar.tscheckpoint');
    await saveTrainingCheckpoint(file, run.tok, run.trainer, { input: { height: seq.height, width: seq.width, channelNames: seq.channelNames, encoding: seq.encoding } });
    const snap = await loadCheckpoint(file);
    expect(snap.config.normalization).toEqual(norm);
    // Stats that make no sense are never written into a checkpoint, and the error names the file and the channel.
    const broken = path.join(dir, 'broken.tscheckpoint');
    await expect(saveCheckpoint(broken, { ...snap, config: { ...snap.config, normalization: { mean: norm.mean, std: norm.std.map(() => -1) } } })).rejects.toThrow(
      `${broken}: invalid config: config.normalization.std[0]: too small: expected number to be >0, got -1`,
    );
    disposeSnapshot(snap);

    // …and the export writes them where PyTorch readers look, and reads them back.
    const out = path.join(dir, 'export');
    await exportForPyTorch(run.tok, run.tok.cfg, out, { height: seq.height, width: seq.width, channelNames: seq.channelNames, encoding: seq.encoding });
    const json = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8')) as { input: { normalization: ChannelNormalization } };
    expect(json.input.normalization).toEqual(norm);
    const imp = await importFromPyTorch(out);
    expect(imp.config.normalization).toEqual(norm);
    const again = new Tokenizer(imp.config, seq.encoding);
    again.loadStateDict(imp.stateDict);
    disposeStateDict(imp.stateDict);
    // The re-imported tokenizer decodes in frame units exactly as the trained one does.
    const [a, b] = [run.tok.reconstruct(x), again.reconstruct(x)];
    const [da, db] = await Promise.all([a.data(), b.data()]);
    let maxDiff = 0;
    for (let i = 0; i < da.length; i++) maxDiff = Math.max(maxDiff, Math.abs(da[i]! - db[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
    tf.dispose([a, b]);
    again.dispose();
    run.trainer.dispose();
    run.tok.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    x.dispose();
  });
});
