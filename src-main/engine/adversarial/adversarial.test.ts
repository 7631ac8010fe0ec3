import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { VectorQuantizer } from '../quantizers/vq';
import { Trainer } from '../train/trainer';
import { BatchSampler } from '../train/batch-sampler';
import { createProceduralSequence } from '../../data/procedural-scene';
import type { TrainConfig } from '../../contract';
import type { FrameEncoding } from '../../data/frame';
import { reconstructionLoss, toFrameSpace } from '../model/losses';
import { adaptiveWeight } from './adaptive-weight';
import { discriminatorLoss, generatorLoss, softplus } from './gan-losses';
import { PatchDiscriminator, patchSide } from './patch-discriminator';

const seq = createProceduralSequence({ seed: 3, frames: 6, size: 32 });

function config(adversarial: TrainConfig['adversarial'], seed = 1): TrainConfig {
  return {
    model: { inChannels: seq.channels, hidden: 8, latentDim: 4, stages: 2 },
    quantizer: { kind: 'vq', codebookSize: 16 },
    learningRate: 3e-3,
    steps: 6,
    batchSize: 2,
    crop: 16,
    seed,
    checkpointEvery: 0,
    adversarial,
  };
}

function makeTrainer(cfg: TrainConfig, encoding: FrameEncoding = seq.encoding): Trainer {
  const q = new VectorQuantizer({ dim: cfg.model.latentDim, codebookSize: cfg.quantizer.codebookSize!, seed: cfg.seed, ema: false, kmeansInit: false });
  return new Trainer(new Tokenizer(cfg, encoding, q), cfg);
}

function disposeAll(t: Trainer): void {
  t.tokenizer.dispose();
  t.dispose();
}

describe('adversarial objective', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('has taming’s PatchGAN layout and patch sizes, and refuses frames too small for its layers', () => {
    const d = new PatchDiscriminator({ inChannels: 5, ndf: 4, layers: 3 }, 1);
    const sd = d.stateDict();
    // conv 0, then conv+BN at 2/3, 5/6, the stride-1 conv+BN at 8/9, the last conv at 11.
    expect(Object.keys(sd).sort()).toEqual(
      ['main.0.weight', 'main.0.bias', 'main.2.weight', 'main.3.weight', 'main.3.bias', 'main.5.weight', 'main.6.weight', 'main.6.bias',
        'main.8.weight', 'main.9.weight', 'main.9.bias', 'main.11.weight', 'main.11.bias'].sort(),
    );
    expect(sd['main.5.weight']!.shape).toEqual([16, 8, 4, 4]);
    expect(sd['main.8.weight']!.shape).toEqual([32, 16, 4, 4]);
    expect(sd['main.11.weight']!.shape).toEqual([1, 32, 4, 4]);
    tf.dispose(Object.values(sd));
    const logits = tf.tidy(() => d.forward(tf.randomNormal([2, 64, 32, 5])).logits);
    expect(logits.shape).toEqual([2, patchSide(64, d.shape), patchSide(32, d.shape), 1]);
    expect(logits.shape).toEqual([2, 6, 2, 1]);
    logits.dispose();
    expect(() => tf.tidy(() => d.forward(tf.zeros([1, 16, 16, 5])).logits)).toThrow(/too small for 3 layers/);
    d.dispose();
  });

  it('softplus is stable where exp overflows', async () => {
    const v = await tf.tidy(() => softplus(tf.tensor1d([-200, -1, 0, 1, 200]))).data();
    const want = [0, Math.log1p(Math.exp(-1)), Math.log(2), 1 + Math.log1p(Math.exp(-1)), 200];
    v.forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 5));
  });

  it('does nothing before its start step, then trains the discriminator and reports G/D losses and λ', async () => {
    const t = makeTrainer(config({ startStep: 2, weight: 0.8 }));
    const sampler = new BatchSampler(seq, 2, 16, 1, 4);
    const before = t.adversarial!.discriminator.stateDict();
    const m1 = await t.trainStep(await sampler.next());
    const m2 = await t.trainStep(await sampler.next());
    expect(m1.adversarial).toBeUndefined();
    expect(m2.adversarial).toBeUndefined();
    const mid = t.adversarial!.discriminator.stateDict();
    expect(Array.from(await mid['main.0.weight']!.data())).toEqual(Array.from(await before['main.0.weight']!.data()));
    const m3 = await t.trainStep(await sampler.next());
    expect(m3.adversarial).toBeDefined();
    const a = m3.adversarial!;
    for (const v of Object.values(a)) expect(Number.isFinite(v)).toBe(true);
    expect(a.lambda).toBeGreaterThan(0);
    expect(a.dLoss).toBeGreaterThanOrEqual(0); // hinge: a mean of relus
    expect(m3.loss).toBeCloseTo(m3.reconLoss + m3.quantLoss.total! + a.lambda * a.gLoss, 4);
    const after = t.adversarial!.discriminator.stateDict();
    expect(Array.from(await after['main.0.weight']!.data())).not.toEqual(Array.from(await mid['main.0.weight']!.data()));
    tf.dispose([...Object.values(before), ...Object.values(mid), ...Object.values(after)]);
    disposeAll(t);
  });

  it('gives the generator ∇(L_nll + L_q) + λ·∇L_G with λ = ‖∇_W L_nll‖ / (‖∇_W L_G‖ + 1e-4) (two plain passes agree)', async () => {
    const cfg = config({ weight: 0.5, loss: 'non-saturating' });
    const t = makeTrainer(cfg);
    const tok = t.tokenizer;
    const adv = t.adversarial!;
    const batch = await new BatchSampler(seq, 2, 16, 1, 4).next();
    const x = tf.tensor4d(batch.data, batch.shape);
    const xN = tok.toNhwc(x);
    const p = t.params();
    const vars = Object.values(p);
    const lastName = 'decoder.net.4.weight';
    // Plain passes, each on its own tape: L_nll + L_q, and L_G alone.
    const nll = tf.variableGrads(() => tok.forwardTrain(xN).loss, vars);
    const g = tf.variableGrads(() => {
      const r = tok.forwardTrain(xN);
      return generatorLoss('non-saturating', adv.discriminator.forward(toFrameSpace(r.out, seq.encoding)).logits);
    }, vars);
    const of = (gr: Record<string, tf.Tensor>, n: string) => gr[p[n]!.name];
    const lambda = (await tf.tidy(() => tf.mul(adaptiveWeight(of(nll.grads, lastName)!, of(g.grads, lastName)!), 0.5)).data())[0]!;
    // The hooked pass, as the trainer runs it: one tape, λ·∇L_G added at the decoder's output.
    const hooked = tf.variableGrads(() => tok.forwardTrain(xN, adv.hook).loss, vars);
    const scalars = adv.discriminatorStep(xN);
    const lambdaHook = (await scalars.data())[3]!;
    expect(lambda).toBeGreaterThan(0);
    expect(Math.abs(lambdaHook - lambda)).toBeLessThanOrEqual(1e-5 * lambda);
    for (const n of Object.keys(p)) {
      const want = tf.tidy(() => (of(g.grads, n) ? tf.add(of(nll.grads, n)!, tf.mul(lambda, of(g.grads, n)!)) : of(nll.grads, n)!.clone()));
      const got = of(hooked.grads, n)!;
      const diff = (await tf.tidy(() => tf.max(tf.abs(tf.sub(got, want)))).data())[0]!;
      const scale = (await tf.tidy(() => tf.max(tf.abs(want))).data())[0]!;
      expect(diff, n).toBeLessThanOrEqual(1e-4 * Math.max(scale, 1e-3));
      want.dispose();
    }
    tf.dispose([nll.value, g.value, hooked.value, ...Object.values(nll.grads), ...Object.values(g.grads), ...Object.values(hooked.grads), x, xN, scalars]);
    disposeAll(t);
  });

  it('continuous frames: the discriminator judges the decoder output, and recon loss is the MSE', async () => {
    const encoding: FrameEncoding = { kind: 'continuous' };
    const cfg: TrainConfig = { ...config({ featureMatchingWeight: 1, loss: 'non-saturating' }), model: { inChannels: 3, hidden: 8, latentDim: 4, stages: 2 } };
    const t = makeTrainer(cfg, encoding);
    const x = tf.randomUniform([2, 3, 16, 16], 0, 1, 'float32', 4);
    const m = await t.trainStep(x as tf.Tensor4D);
    expect(m.adversarial!.featureMatching).toBeGreaterThan(0);
    const recon = tf.tidy(() => {
      const xN = t.tokenizer.toNhwc(x);
      return reconstructionLoss(xN, xN, encoding);
    });
    expect((await recon.data())[0]).toBe(0);
    tf.dispose([x, recon]);
    disposeAll(t);
  });

  it('hinge and non-saturating losses have their textbook values', async () => {
    const real = tf.tensor1d([2, 0.5, -1]);
    const fake = tf.tensor1d([-2, 0.5, 1]);
    const sp = (v: number) => Math.log1p(Math.exp(v));
    const [hd, hg, nd, ng] = await Promise.all(
      [discriminatorLoss('hinge', real, fake), generatorLoss('hinge', fake), discriminatorLoss('non-saturating', real, fake), generatorLoss('non-saturating', fake)].map(async (t) => {
        const v = (await t.data())[0]!;
        t.dispose();
        return v;
      }),
    );
    expect(hd).toBeCloseTo(0.5 * ((0 + 0.5 + 2) / 3 + (0 + 1.5 + 2) / 3), 6);
    expect(hg).toBeCloseTo(-(-2 + 0.5 + 1) / 3, 6);
    expect(nd).toBeCloseTo(0.5 * ((sp(-2) + sp(-0.5) + sp(1)) / 3 + (sp(-2) + sp(0.5) + sp(1)) / 3), 6);
    expect(ng).toBeCloseTo((sp(2) + sp(-0.5) + sp(-1)) / 3, 6);
    tf.dispose([real, fake]);
  });

  it('leaks no tensors over adversarial steps, and resumes the discriminator from its state', async () => {
    const cfg = config({ featureMatchingWeight: 0.5 });
    const t = makeTrainer(cfg);
    const sampler = new BatchSampler(seq, 2, 16, 1, 4);
    await t.trainStep(await sampler.next());
    const n1 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await t.trainStep(await sampler.next());
    expect(tf.memory().numTensors).toBe(n1);
    const state = t.getState();
    const t2 = makeTrainer(cfg);
    t2.setState(state);
    const a = t.adversarial!.discriminator.stateDict();
    const b = t2.adversarial!.discriminator.stateDict();
    for (const k of Object.keys(a)) expect(Array.from(await b[k]!.data()), k).toEqual(Array.from(await a[k]!.data()));
    expect(t2.adversarial!.optimizer.step).toBe(4);
    const ma = await t.trainStep(await sampler.next());
    tf.dispose([...Object.values(a), ...Object.values(b), ...Object.values(state.optimizer.tensors)]);
    if (state.adversarial) tf.dispose([...Object.values(state.adversarial.weights), ...Object.values(state.adversarial.optimizer.tensors)]);
    expect(ma.adversarial).toBeDefined();
    disposeAll(t);
    disposeAll(t2);
  });
});
