import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { probePython, runPython } from '../checkpoint/python-check';
import { repoRoot } from '../quantizers/test-backend';
import { Rng } from '../../util/rng';
import { lovaszSoftmax } from './lovasz-softmax';

/**
 * Lovász-softmax against a PyTorch implementation of Berman et al.'s algorithm (the twin's
 * `lovasz_softmax`, a per-class sort as OccWorld's lovasz_losses.py does it): the value and the
 * gradient with respect to the logits, with one class absent from the labels.
 */
const torch = probePython(['torch']);

const SCRIPT = String.raw`
import json, sys, torch
sys.path.insert(0, sys.argv[1])
from occworld_vae import lovasz_softmax
d = json.loads(open(sys.argv[2]).read())
logits = torch.tensor(d['logits'], dtype=torch.float32).reshape(d['p'], d['c']).requires_grad_(True)
labels = torch.tensor(d['labels'])
loss = lovasz_softmax(logits.softmax(-1), labels)
loss.backward()
print(json.dumps({'loss': loss.item(), 'grad': logits.grad.reshape(-1).tolist()}))
`;

describe('Lovász-softmax', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it('is 0 for a perfect prediction and grows as the prediction gets worse', async () => {
    const labels = tf.tensor1d([0, 1, 2, 1], 'int32');
    const perfect = tf.oneHot(labels, 3).cast('float32') as tf.Tensor2D;
    const uniform = tf.fill([4, 3], 1 / 3) as tf.Tensor2D;
    const [a, b] = [lovaszSoftmax(perfect, labels), lovaszSoftmax(uniform, labels)];
    expect((await a.data())[0]).toBeCloseTo(0, 6);
    expect((await b.data())[0]).toBeGreaterThan(0.3);
    tf.dispose([labels, perfect, uniform, a, b]);
  });

  it.skipIf(!torch.ok)(`matches PyTorch in value and gradient${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, async () => {
    const [p, c] = [400, 6];
    const rng = new Rng(11);
    const logits = Array.from({ length: p * c }, () => 2 * rng.normal());
    // Class 5 never appears: 'present' averages over classes 0..4 only.
    const labels = Array.from({ length: p }, () => rng.int(5));
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'ts-lovasz-'));
    writeFileSync(path.join(dir, 'in.json'), JSON.stringify({ logits, labels, p, c }));
    const ref = JSON.parse(runPython(SCRIPT, [path.join(repoRoot, 'resources/pytorch'), path.join(dir, 'in.json')])) as { loss: number; grad: number[] };
    rmSync(dir, { recursive: true, force: true });
    const before = tf.memory().numTensors;
    const x = tf.tensor2d(logits, [p, c]);
    const lab = tf.tensor1d(labels, 'int32');
    const { value, grad } = tf.tidy(() => tf.valueAndGrad((l: tf.Tensor) => lovaszSoftmax(tf.softmax(l) as tf.Tensor2D, lab))(x));
    const v = (await value.data())[0]!;
    expect(Math.abs(v - ref.loss)).toBeLessThan(1e-5);
    const g = (await grad.data()) as Float32Array;
    let m = 0;
    let scale = 0;
    for (let i = 0; i < g.length; i++) {
      m = Math.max(m, Math.abs(g[i]! - ref.grad[i]!));
      scale = Math.max(scale, Math.abs(ref.grad[i]!));
    }
    expect(m).toBeLessThan(1e-5 + 1e-3 * scale);
    tf.dispose([value, grad, x, lab]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
