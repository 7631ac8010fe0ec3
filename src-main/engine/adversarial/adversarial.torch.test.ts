import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { VectorQuantizer } from '../quantizers/vq';
import { Trainer } from '../train/trainer';
import { BatchSampler } from '../train/batch-sampler';
import { createProceduralSequence } from '../../data/procedural-scene';
import type { AdversarialConfig, TrainConfig } from '../../contract';
import { probePython, runPython } from '../checkpoint/python-check';
import { repoRoot } from '../quantizers/test-backend';

/**
 * The adversarial objective against PyTorch: one training step of a tiny tokenizer (reference
 * nets, VQ) on class frames with fixed weights, and the same forward pass in PyTorch with
 * resources/pytorch/tokenscope_adversarial.py — taming's discriminator, losses and
 * calculate_adaptive_weight by torch.autograd.grad on the decoder's last weight. λ, the generator
 * and discriminator losses, the mean logits and the feature-matching term must agree.
 */
const probe = probePython(['torch', 'numpy']);

const SCRIPT = String.raw`
import json, sys, numpy as np, torch, torch.nn as nn
sys.path.insert(0, sys.argv[2])
from tokenscope_adversarial import NLayerDiscriminator, load_discriminator_state, discriminator_loss, generator_loss, feature_matching_loss, adaptive_weight
d = sys.argv[1]
meta = json.load(open(d + '/meta.json'))
def arr(name):
    e = meta['tensors'][name]
    return torch.from_numpy(np.fromfile(d + '/' + name + '.bin', dtype=np.float32).reshape(e['shape']))
m, a, K = meta['model'], meta['adv'], meta['classes']
def seq(kind, cin, cout):
    layers, c = [], cin
    conv = nn.Conv2d if kind == 'enc' else nn.ConvTranspose2d
    for _ in range(m['stages']):
        layers += [conv(c, m['hidden'], 4, 2, 1), nn.ReLU()]
        c = m['hidden']
    layers.append(conv(c, cout, 3, 1, 1))
    return nn.Sequential(*layers)
enc, dec = seq('enc', m['inChannels'], m['latentDim']), seq('dec', m['latentDim'], m['inChannels'])
enc.load_state_dict({k[len('encoder.net.'):]: arr(k) for k in meta['tensors'] if k.startswith('encoder.net.')})
dec.load_state_dict({k[len('decoder.net.'):]: arr(k) for k in meta['tensors'] if k.startswith('decoder.net.')})
D = NLayerDiscriminator(m['inChannels'], a['discChannels'], a['discLayers'])
load_discriminator_state(D, {k[len('disc.'):]: arr(k) for k in meta['tensors'] if k.startswith('disc.')})
D.train()
x = arr('x')
z = enc(x)
emb = arr('quantizer.embedding.weight')
flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
idx = ((flat[:, None, :] - emb[None]) ** 2).sum(-1).argmin(1)
q = emb[idx].reshape(z.shape[0], z.shape[2], z.shape[3], -1).permute(0, 3, 1, 2)
q = z + (q - z).detach()
out = dec(q)
B, C, H, W = out.shape
def soft(o):  # class logits -> per-group class probabilities (what the discriminator judges)
    return torch.softmax(o.reshape(B, C // K, K, H, W), 2).reshape(B, C, H, W)
rec = -(x.reshape(B, C // K, K, H, W) * torch.log_softmax(out.reshape(B, C // K, K, H, W), 2)).sum(2).mean()
nll, fm = rec, torch.tensor(0.0)
if a['featureMatchingWeight'] > 0:
    _, real_feats = D(x, features=True)
    _, fake_feats = D(soft(out), features=True)
    fm = feature_matching_loss(fake_feats, real_feats)
    nll = rec + a['featureMatchingWeight'] * fm
g = generator_loss(a['loss'], D(soft(out)))
lam = adaptive_weight(nll, g, dec[-1].weight) * a['weight']
lr, lf = D(x), D(soft(out).detach())
dl = discriminator_loss(a['loss'], lr, lf)
print(json.dumps({'lambda': lam.item(), 'g': g.item(), 'd': dl.item(), 'real': lr.mean().item(), 'fake': lf.mean().item(), 'fm': fm.item(), 'rec': rec.item()}))
`;

const seqData = createProceduralSequence({ seed: 5, frames: 4, size: 32 });

function config(adversarial: AdversarialConfig): TrainConfig {
  return {
    model: { inChannels: seqData.channels, hidden: 8, latentDim: 4, stages: 2 },
    quantizer: { kind: 'vq', codebookSize: 16 },
    learningRate: 1e-3,
    steps: 1,
    batchSize: 2,
    crop: 16,
    seed: 9,
    checkpointEvery: 0,
    adversarial,
  };
}

describe.skipIf(!probe.ok)(`adversarial objective matches PyTorch (${probe.ok ? 'torch found' : `skipped: ${probe.reason}`})`, () => {
  let dir = '';
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
    dir = mkdtempSync(path.join(tmpdir(), 'tokenscope-adv-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: AdversarialConfig[] = [
    { loss: 'hinge', weight: 0.8, discLayers: 2, discChannels: 8 },
    { loss: 'non-saturating', weight: 1.5, discLayers: 1, discChannels: 4, featureMatchingWeight: 2 },
  ];
  for (const adv of cases) {
    it(`${adv.loss}${adv.featureMatchingWeight ? ' + feature matching' : ''}: λ, G/D losses and logits within 1e-5`, async () => {
      const cfg = config(adv);
      const q = new VectorQuantizer({ dim: 4, codebookSize: 16, seed: 9, ema: false, kmeansInit: false });
      const trainer = new Trainer(new Tokenizer(cfg, seqData.encoding, q), cfg);
      const batch = await new BatchSampler(seqData, 2, 16, 9, 4).next();
      const x = tf.tensor4d(batch.data, batch.shape);
      const sd = trainer.tokenizer.stateDict();
      const dsd = trainer.adversarial!.discriminator.stateDict();
      const named: Record<string, tf.Tensor> = { ...sd, x };
      for (const [k, t] of Object.entries(dsd)) named[`disc.${k}`] = t;
      const meta = { model: cfg.model, adv: { ...trainer.adversarial!.settings }, classes: (seqData.encoding as { numClasses: number }).numClasses, tensors: {} as Record<string, { shape: number[] }> };
      for (const [k, t] of Object.entries(named)) {
        meta.tensors[k] = { shape: t.shape };
        const data = (await t.data()) as Float32Array;
        writeFileSync(path.join(dir, `${k}.bin`), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      }
      writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
      const torch = JSON.parse(runPython(SCRIPT, [dir, path.join(repoRoot, 'resources/pytorch')]).trim()) as Record<string, number>;
      const m = await trainer.trainStep(x);
      const a = m.adversarial!;
      const ours: Record<string, number> = { lambda: a.lambda, g: a.gLoss, d: a.dLoss, real: a.logitsReal, fake: a.logitsFake, fm: a.featureMatching, rec: m.reconLoss };
      console.log(`adversarial vs PyTorch (${adv.loss}):`, Object.keys(ours).map((k) => `${k} ${ours[k]!.toPrecision(7)} / ${torch[k]!.toPrecision(7)}`).join(', '));
      expect(a.lambda).toBeGreaterThan(0);
      for (const k of Object.keys(ours)) expect(Math.abs(ours[k]! - torch[k]!), k).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(torch[k]!)));
      tf.dispose([x, ...Object.values(sd), ...Object.values(dsd)]);
      trainer.tokenizer.dispose();
      trainer.dispose();
    });
  }
});
