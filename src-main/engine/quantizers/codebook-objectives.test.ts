/**
 * Codebook objectives: the orthogonality term against vector-quantize-pytorch's output in
 * ../shared/fixtures/orthogonal_loss (within 1e-6), the max-codes draw, and the objectives
 * inside the VQ loss: reported as loss parts, added with their weights, trained on without
 * leaking tensors, and refused where they cannot act. Values against PyTorch formulas are in
 * codebook-objectives.torch.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { toFloat32 } from '../../data/npy';
import { Rng } from '../../util/rng';
import { activeObjectives, objectivesConfigProblem, orthogonalLoss, orthogonalRegulariser, type CodebookObjectives } from './codebook-objectives';
import { createQuantizer } from './create-quantizer';
import { fixture, haveFixtures, useWasmBackend } from './test-backend';
import { TrainConfigPatchSchema } from '../../contract/schemas';
import { checkValue } from '../../contract/schema-errors';
import { VectorQuantizer } from './vq';

beforeAll(async () => {
  await useWasmBackend();
});

function randomMatrix(rows: number, cols: number, seed: number, scale = 1): tf.Tensor2D {
  const rng = new Rng(seed);
  return tf.tensor2d(Float32Array.from({ length: rows * cols }, () => rng.normal() * scale), [rows, cols]);
}

const ALL: CodebookObjectives = {
  orthogonal: 0.5,
  norm: 0.2,
  normTarget: 0.5,
  repulsion: 0.3,
  repulsionSigma: 0.5,
  varianceHinge: 0.4,
  varianceGamma: 0.5,
  infonce: 0.1,
  infonceTemperature: 0.2,
  vicregVariance: 0.6,
  vicregCovariance: 0.7,
};

describe.skipIf(!haveFixtures())('orthogonality matches vector-quantize-pytorch (../shared/fixtures/orthogonal_loss)', () => {
  it('orthogonal_loss_fn of the (1, 64, 8) codebook within 1e-6', async () => {
    const [cb, loss] = await Promise.all([fixture('orthogonal_loss/codebook'), fixture('orthogonal_loss/loss')]);
    expect(cb.shape).toEqual([1, 64, 8]);
    const t = tf.tensor2d(toFloat32(cb), [64, 8]);
    const before = tf.memory().numTensors;
    const ours = orthogonalLoss(t);
    // The same through the masked form the training uses, every code "used".
    const idx = tf.range(0, 64, 1, 'int32') as tf.Tensor1D;
    const viaMask = orthogonalRegulariser(t, idx, { activeOnly: true, random: () => 0 });
    const [a, b] = [(await ours.data())[0]!, (await viaMask.data())[0]!];
    const expected = toFloat32(loss)[0]!;
    expect(Math.abs(a - expected)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(b - expected)).toBeLessThanOrEqual(1e-6);
    tf.dispose([ours, viaMask, idx]);
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });
});

describe('orthogonality over sampled codes', () => {
  it('max codes: the gradient reaches exactly that many used codes, never an unused one', async () => {
    const cb = tf.variable(randomMatrix(16, 4, 1));
    const idx = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 1, 2, 3], 'int32'); // codes 0–7 used
    const rng = new Rng(3);
    const { grads, value } = tf.variableGrads(
      () => orthogonalRegulariser(cb as unknown as tf.Tensor2D, idx, { activeOnly: true, maxCodes: 5, random: () => rng.next() }),
      [cb],
    );
    const g = (await grads[cb.name]!.array()) as number[][];
    const touched = g.map((row, k) => (row.some((v) => v !== 0) ? k : -1)).filter((k) => k >= 0);
    expect(touched.length).toBe(5);
    expect(touched.every((k) => k < 8)).toBe(true);
    // Fewer used codes than maxCodes: all of them, as without sampling.
    const few = tf.tensor1d([2, 9, 9], 'int32');
    const sampled = orthogonalRegulariser(cb as unknown as tf.Tensor2D, few, { activeOnly: true, maxCodes: 5, random: () => rng.next() });
    const whole = orthogonalRegulariser(cb as unknown as tf.Tensor2D, few, { activeOnly: true, random: () => rng.next() });
    expect(Math.abs((await sampled.data())[0]! - (await whole.data())[0]!)).toBeLessThan(1e-6);
    tf.dispose([cb, idx, few, sampled, whole, value, ...Object.values(grads)]);
  });
});

describe('codebook objectives in the VQ loss', () => {
  it('each is a loss part, and the loss grows by Σ weight × part', async () => {
    const x = randomMatrix(40, 6, 7);
    const plain = new VectorQuantizer({ dim: 6, codebookSize: 12, seed: 4 });
    const withObj = new VectorQuantizer({ dim: 6, codebookSize: 12, seed: 4, objectives: ALL });
    const r0 = plain.quantize(x, { training: true });
    const r1 = withObj.quantize(x, { training: true });
    expect(Object.keys(r1.lossParts).sort()).toEqual(['codebook', 'commitment', ...activeObjectives(ALL)].sort());
    let expected = (await r0.loss.data())[0]!;
    for (const k of activeObjectives(ALL)) {
      const v = (await r1.lossParts[k]!.data())[0]!;
      expect(Number.isFinite(v)).toBe(true);
      expected += (ALL[k] ?? 0) * v;
    }
    expect((await r1.loss.data())[0]!).toBeCloseTo(expected, 5);
    // Not at evaluation: the objectives shape training only.
    const ev = withObj.quantize(x, { training: false });
    expect(Object.keys(ev.lossParts)).not.toContain('orthogonal');
    tf.dispose([x, r0.quantized, r0.indices, r0.loss, ...Object.values(r0.lossParts), r1.quantized, r1.indices, r1.loss, ...Object.values(r1.lossParts)]);
    tf.dispose([ev.quantized, ev.indices, ev.loss, ...Object.values(ev.lossParts)]);
    plain.dispose();
    withObj.dispose();
  });

  for (const kind of ['vq', 'rvq', 'gvq'] as const) {
    it(`${kind}: training steps with every objective leave tf.memory().numTensors flat and move the codebook`, async () => {
      const q = createQuantizer({ kind, codebookSize: 8, depth: 2, ema: false, objectives: { ...ALL, orthogonalMaxCodes: 4 } }, 6, 3);
      const x = randomMatrix(32, 6, 11);
      const opt = tf.train.adam(0.01);
      const step = () => {
        const cost = opt.minimize(() => {
          const r = q.quantize(x, { training: true });
          return r.loss;
        }, true, q.trainableVariables());
        cost?.dispose();
      };
      const cb0 = q.codebook()!;
      step();
      const after1 = tf.memory().numTensors;
      for (let i = 0; i < 4; i++) step();
      expect(tf.memory().numTensors).toBe(after1);
      const cb1 = q.codebook()!;
      const moved = tf.tidy(() => tf.max(tf.abs(tf.sub(cb1, cb0))));
      expect((await moved.data())[0]!).toBeGreaterThan(1e-4);
      tf.dispose([cb0, cb1, moved, x]);
      opt.dispose();
      q.dispose();
    });
  }

  it('the contract refuses a bad weight or an unknown objective, naming the field', () => {
    const bad = (quantizer: unknown) => {
      const r = checkValue('config', TrainConfigPatchSchema, { quantizer });
      return r.ok ? 'accepted' : r.problem;
    };
    expect(bad({ objectives: { orthogonal: -1 } })).toMatch(/config\.quantizer\.objectives\.orthogonal: too small/);
    expect(bad({ objectives: { orthogonalMaxCodes: 1.5 } })).toMatch(/config\.quantizer\.objectives\.orthogonalMaxCodes/);
    expect(bad({ objectives: { spread: 1 } })).toMatch(/config\.quantizer\.objectives: unrecognized key: "spread"/);
    expect(bad({ objectives: { infonceTemperature: 0 } })).toMatch(/infonceTemperature: too small/);
    expect(bad({ objectives: { repulsion: 0.5, repulsionSigma: 2 } })).toBe('accepted');
  });

  it('refused where they cannot act, with the reason', () => {
    expect(() => new VectorQuantizer({ dim: 4, codebookSize: 8, ema: true, objectives: { orthogonal: 1 } })).toThrow(/orthogonal train the codebook by gradient.*turn EMA off/);
    // InfoNCE also trains the encoder: allowed with an EMA codebook.
    const ok = new VectorQuantizer({ dim: 4, codebookSize: 8, ema: true, objectives: { infonce: 1 } });
    ok.dispose();
    expect(objectivesConfigProblem({ kind: 'fsq', objectives: { norm: 1 } }, 'reference')).toMatch(/norm need a learned codebook \(vq, rvq or gvq\), not fsq/);
    expect(objectivesConfigProblem({ kind: 'vq', objectives: { repulsion: 1 } }, 'occworld')).toMatch(/OccWorld/);
    expect(objectivesConfigProblem({ kind: 'vq', ema: false, objectives: { repulsion: 1, vicregCovariance: 2 } }, undefined)).toBeNull();
    // Weights of 0 are "off": nothing to refuse.
    expect(objectivesConfigProblem({ kind: 'lfq', objectives: { orthogonal: 0 } }, undefined)).toBeNull();
  });
});
