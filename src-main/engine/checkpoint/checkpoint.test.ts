import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TrainMetrics } from '../../contract';
import {
  checkpointInfo,
  CheckpointError,
  disposeSnapshot,
  loadCheckpoint,
  saveCheckpoint,
  type CheckpointSnapshot,
} from './checkpoint';
import { encodeSafetensors, decodeSafetensors } from './safetensors';
import { disposeStateDict } from './tensor-io';
import { randomStateDict, resignedCheckpoint, smallConfig, values } from './test-fixtures';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-ckpt-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function metric(step: number, loss: number): TrainMetrics {
  return {
    step,
    totalSteps: 10,
    loss,
    reconLoss: loss / 2,
    quantLoss: { codebook: 0.1, commitment: 0.025 },
    perplexity: 5.5,
    utilization: 0.5,
    deadCodes: 4,
    bitsPerToken: 4,
    compressionRatio: 96,
    msPerStep: 12,
    etaSeconds: 1,
  };
}

const vqConfig = smallConfig({ kind: 'vq', codebookSize: 16, ema: true, emaDecay: 0.9, beta: 0.25 });

function snapshot(seed = 3): CheckpointSnapshot {
  return {
    config: vqConfig,
    step: 7,
    weights: randomStateDict(vqConfig, seed),
    optimizer: {
      name: 'adam',
      // tfjs Adam's order: iterations first, then first moments, then second moments.
      weights: [
        { name: 'iter', tensor: tf.scalar(7, 'float32') },
        { name: 'encoder.net.0.weight/m', tensor: tf.randomNormal([8, 3, 4, 4], 0, 1, 'float32', 5) },
        { name: '10', tensor: tf.tensor1d([1, 2, 3]) }, // an integer-like name must keep its place
        { name: 'encoder.net.0.weight/v', tensor: tf.randomUniform([8, 3, 4, 4], 0, 1, 'float32', 6) },
      ],
      config: { learningRate: 1e-3, beta1: 0.9 },
    },
    metrics: [metric(1, 2.5), metric(2, NaN), metric(3, Infinity)],
    input: { height: 16, width: 24, channelNames: ['a', 'b', 'c'], encoding: { kind: 'continuous' } },
    extra: { rng: 12345, cursor: [1, 2] },
  };
}

async function sha(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

describe('native checkpoint: save and load', () => {
  it('round-trips weights, optimizer slots in order, step, config, metrics (NaN too), input and extra, without leaks', async () => {
    const file = path.join(dir, 'a.ckpt');
    const snap = snapshot();
    const before = tf.memory().numTensors;
    const { sizeBytes } = await saveCheckpoint(file, snap);
    expect(sizeBytes).toBe((await fs.stat(file)).size);
    expect(tf.memory().numTensors).toBe(before);

    const back = await loadCheckpoint(file);
    expect(back.step).toBe(7);
    expect(back.config).toEqual(vqConfig);
    expect(back.input).toEqual(snap.input);
    expect(back.extra).toEqual({ rng: 12345, cursor: [1, 2] });
    expect(back.metrics[0]).toEqual(metric(1, 2.5));
    expect(Number.isNaN(back.metrics[1]!.loss)).toBe(true);
    expect(back.metrics[2]!.loss).toBe(Infinity);
    expect(Object.keys(back.weights).sort()).toEqual(Object.keys(snap.weights).sort());
    for (const [k, t] of Object.entries(snap.weights)) {
      expect(back.weights[k]!.shape, k).toEqual(t.shape);
      expect(await values(back.weights[k]!), k).toEqual(await values(t));
    }
    expect(back.optimizer!.name).toBe('adam');
    expect(back.optimizer!.config).toEqual({ learningRate: 1e-3, beta1: 0.9 });
    expect(back.optimizer!.weights.map((w) => w.name)).toEqual(['iter', 'encoder.net.0.weight/m', '10', 'encoder.net.0.weight/v']);
    for (let i = 0; i < 4; i++) expect(await values(back.optimizer!.weights[i]!.tensor)).toEqual(await values(snap.optimizer!.weights[i]!.tensor));

    const loaded = tf.memory().numTensors;
    disposeSnapshot(back);
    expect(tf.memory().numTensors).toBe(loaded - Object.keys(snap.weights).length - 4);
    disposeSnapshot(snap);
  });

  it('is a valid safetensors file with model.* and optim.* tensors and a checksum', async () => {
    const file = path.join(dir, 'b.ckpt');
    const snap = snapshot();
    await saveCheckpoint(file, snap);
    disposeSnapshot(snap);
    const f = decodeSafetensors(await fs.readFile(file), file);
    expect(f.metadata.format).toBe('tokenscope-checkpoint');
    expect(f.metadata.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(f.tensors['model.quantizer.embedding.weight']!.shape).toEqual([16, 4]);
    expect(f.tensors['optim.0']!.shape).toEqual([]);
  });

  it('info: config, size, token grid and codebook health from the EMA cluster sizes', async () => {
    const file = path.join(dir, 'c.ckpt');
    const snap = snapshot();
    await saveCheckpoint(file, snap);
    disposeSnapshot(snap);
    const info = await checkpointInfo(file);
    expect(info.step).toBe(7);
    expect(info.sizeBytes).toBe((await fs.stat(file)).size);
    expect(info.codebookSize).toBe(16);
    expect(info.depth).toBe(1);
    expect(info.tokenGrid).toEqual([4, 6]); // 16×24 input, 2 stages = 4× down
    // randomStateDict zeroes every 4th cluster size: 4 dead codes of 16.
    expect(info.health).toEqual([{ level: 0, size: 16, used: 12, dead: 4, threshold: 1e-3 }]);
    expect(info.metricsRecorded).toBe(3);
    expect(info.optimizer).toBe('adam');
  });

  it('info per level for residual VQ and none for FSQ', async () => {
    const rvq = smallConfig({ kind: 'rvq', codebookSize: 8, depth: 3, deadCodeThreshold: 0.75 });
    const sd = randomStateDict(rvq);
    const file = path.join(dir, 'rvq.ckpt');
    await saveCheckpoint(file, { config: rvq, step: 1, weights: sd, optimizer: null, metrics: [] });
    const info = await checkpointInfo(file);
    expect(info.depth).toBe(3);
    expect(info.health!.map((h) => h.level)).toEqual([0, 1, 2]);
    let deadExpected = 0;
    const cs = await values(sd['quantizer.layers.1.cluster_size']!);
    for (const v of cs) if (v < 0.75) deadExpected++;
    expect(info.health![1]).toEqual({ level: 1, size: 8, used: 8 - deadExpected, dead: deadExpected, threshold: 0.75 });
    disposeStateDict(sd);

    const fsq = smallConfig({ kind: 'fsq', levels: [8, 5, 5, 5] });
    const fsd = randomStateDict(fsq);
    const ffile = path.join(dir, 'fsq.ckpt');
    await saveCheckpoint(ffile, { config: fsq, step: 2, weights: fsd, optimizer: null, metrics: [] });
    disposeStateDict(fsd);
    const finfo = await checkpointInfo(ffile);
    expect(finfo.health).toBeNull();
    expect(finfo.codebookSize).toBe(1000);
  });
});

describe('native checkpoint: corrupt, truncated or mismatched files give one clear error and touch nothing', () => {
  let good: string;
  let goodSha: string;
  beforeAll(async () => {
    good = path.join(dir, 'good.ckpt');
    const snap = snapshot();
    await saveCheckpoint(good, snap);
    disposeSnapshot(snap);
    goodSha = await sha(good);
  });

  async function expectRefused(file: string, message: RegExp): Promise<void> {
    const fileSha = await sha(file);
    const before = tf.memory().numTensors;
    let caught: unknown;
    try {
      await loadCheckpoint(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CheckpointError);
    expect((caught as Error).message.startsWith(`${file}: `)).toBe(true);
    expect((caught as Error).message).toMatch(message);
    await expect(checkpointInfo(file)).rejects.toThrow(message);
    expect(tf.memory().numTensors).toBe(before); // no tensor was created
    expect(await sha(file)).toBe(fileSha); // the bad file is left as it was
    expect(await sha(good)).toBe(goodSha); // and the good one too, still loadable:
    disposeSnapshot(await loadCheckpoint(good));
  }

  it('a flipped byte in the weights', async () => {
    const bytes = new Uint8Array(await fs.readFile(good));
    bytes[bytes.length - 10]! ^= 0x40;
    const file = path.join(dir, 'flip-data.ckpt');
    await fs.writeFile(file, bytes);
    await expectRefused(file, /corrupt checkpoint: checksum mismatch/);
  });

  it('a flipped byte in the header JSON', async () => {
    const bytes = new Uint8Array(await fs.readFile(good));
    const text = new TextDecoder().decode(bytes.subarray(0, 4000));
    const at = text.indexOf('"step\\":7') + 8; // inside the state JSON string: step 7 → 5
    expect(at).toBeGreaterThan(8);
    bytes[at] = '5'.charCodeAt(0);
    const file = path.join(dir, 'flip-header.ckpt');
    await fs.writeFile(file, bytes);
    await expectRefused(file, /checksum mismatch/);
  });

  it('a byte in the length field', async () => {
    const bytes = new Uint8Array(await fs.readFile(good));
    bytes[3] = 0x7f;
    const file = path.join(dir, 'flip-length.ckpt');
    await fs.writeFile(file, bytes);
    await expectRefused(file, /corrupt or truncated checkpoint: header length \d+ runs past the end/);
  });

  it('truncated', async () => {
    const bytes = await fs.readFile(good);
    const file = path.join(dir, 'trunc.ckpt');
    await fs.writeFile(file, bytes.subarray(0, bytes.length - 100));
    await expectRefused(file, /corrupt or truncated checkpoint: .*(run past|truncated)/);
    await fs.writeFile(file, bytes.subarray(0, 4));
    await expectRefused(file, /too short/);
  });

  it('a config that does not match the weights (checksum consistent)', async () => {
    // Re-sign a file whose state claims hidden 16 while the weights are for hidden 8.
    const signed = resignedCheckpoint(await fs.readFile(good), (state) => (state.config.model.hidden = 16));
    const file = path.join(dir, 'wrong-config.ckpt');
    await fs.writeFile(file, signed);
    await expectRefused(file, /weights do not match the checkpoint's config \(in 3, hidden 16.*encoder\.net\.0\.weight is \[8, 3, 4, 4\] but the config needs \[16, 3, 4, 4\]/);
  });

  it('a checkpoint of another model than the run expects', async () => {
    const other = smallConfig({ kind: 'vq', codebookSize: 32 });
    await expect(loadCheckpoint(good, { expect: other })).rejects.toThrow(/checkpoint is for a different model \(.*K=16.*\) than expected \(.*K=32/);
    // Training settings may differ: same architecture loads.
    disposeSnapshot(await loadCheckpoint(good, { expect: { ...vqConfig, learningRate: 5, steps: 99 } }));
  });

  it('a plain safetensors file (an export) or a folder is not a checkpoint', async () => {
    const file = path.join(dir, 'plain.safetensors');
    await fs.writeFile(file, encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }));
    await expectRefused(file, /not a TokenScope checkpoint/);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/is a folder, not a checkpoint file/);
    await expect(loadCheckpoint(path.join(dir, 'missing.ckpt'))).rejects.toThrow(/missing\.ckpt: no such file/);
  });
});

describe('native checkpoint: a failed save leaves the previous checkpoint whole', () => {
  it('weights that do not match the config are refused before anything is written', async () => {
    const file = path.join(dir, 'keep.ckpt');
    const snap = snapshot();
    await saveCheckpoint(file, snap);
    const prev = await sha(file);
    const bad = { ...snap, config: smallConfig({ kind: 'vq', codebookSize: 16 }, { latentDim: 6 }) };
    await expect(saveCheckpoint(file, bad)).rejects.toThrow(/keep\.ckpt: weights do not match the config .*encoder\.net\.4\.weight is \[4, 8, 3, 3\] but the config needs \[6, 8, 3, 3\]/);
    // A tensor disposed mid-way (e.g. the trainer moved on) fails while reading values.
    snap.optimizer!.weights[2]!.tensor.dispose();
    await expect(saveCheckpoint(file, snap)).rejects.toThrow(/disposed/);
    expect(await sha(file)).toBe(prev);
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const back = await loadCheckpoint(file);
    expect(back.step).toBe(7);
    disposeSnapshot(back);
    disposeSnapshot(snap);
  });

  it('saving over an existing checkpoint replaces it whole', async () => {
    const file = path.join(dir, 'replace.ckpt');
    const a = snapshot(3);
    await saveCheckpoint(file, a);
    const b = { ...snapshot(4), step: 8 };
    await saveCheckpoint(file, b);
    const back = await loadCheckpoint(file);
    expect(back.step).toBe(8);
    expect(await values(back.weights['encoder.net.0.weight']!)).toEqual(await values(b.weights['encoder.net.0.weight']!));
    for (const s of [a, b, back]) disposeSnapshot(s);
  });
});
