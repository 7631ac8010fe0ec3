/**
 * Gradients of a VQ training step against PyTorch (Debian's /usr/bin/python3 with torch 1.13;
 * skipped with the reason when absent): loss = ‖out − target‖² + codebook + β·commitment, with
 * the plain straight-through estimator and with vector-quantize-pytorch's rotation trick
 * (its `rotate_to` / `efficient_rotation_trick_transform`, written out below). Gradients to
 * the latents and to the codebook must agree within 1e-5; max |Δ| in the test names.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import { maxAbsDiff, useWasmBackend } from './test-backend';
import { VectorQuantizer } from './vq';

const python = '/usr/bin/python3';
const torchOk = existsSync(python) && spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

const N = 24;
const D = 6;
const K = 10;
const BETA = 0.25;

const SCRIPT = `
import json, sys, torch
import torch.nn.functional as F
a = json.load(sys.stdin)
N, D, K, beta = a['N'], a['D'], a['K'], a['beta']
def run(rotation):
    z = torch.tensor(a['z'], dtype=torch.float32).reshape(N, D).requires_grad_()
    cb = torch.tensor(a['cb'], dtype=torch.float32).reshape(K, D).requires_grad_()
    t = torch.tensor(a['target'], dtype=torch.float32).reshape(N, D)
    d = (z.detach()[:, None, :] - cb.detach()[None, :, :]).pow(2).sum(-1)
    idx = d.argmin(-1)
    q = cb[idx]
    if rotation:
        nz = z.norm(dim=-1, keepdim=True); nq = q.norm(dim=-1, keepdim=True)
        u = z / nz; qq = q / nq
        e = z[:, None, :]
        w = F.normalize(u + qq, p=2, dim=1).detach()
        r = (e - 2 * (e @ w[:, :, None] @ w[:, None, :]) + 2 * (e @ u[:, :, None].detach() @ qq[:, None, :].detach())).squeeze(1)
        out = r * (nq / nz).detach()
    else:
        out = z + (q - z).detach()
    loss = F.mse_loss(out, t) + F.mse_loss(q, z.detach()) + beta * F.mse_loss(z, q.detach())
    loss.backward()
    return {'loss': loss.item(), 'gz': z.grad.reshape(-1).tolist(), 'gcb': cb.grad.reshape(-1).tolist(), 'idx': idx.tolist(), 'out': out.detach().reshape(-1).tolist()}
print(json.dumps({'ste': run(False), 'rot': run(True)}))
`;

interface TorchRun {
  loss: number;
  gz: number[];
  gcb: number[];
  idx: number[];
  out: number[];
}

async function ours(z: number[], cb: number[], target: number[], rotationTrick: boolean) {
  const vq = new VectorQuantizer({ dim: D, codebookSize: K, beta: BETA, rotationTrick });
  const cbT = tf.tensor2d(cb, [K, D]);
  vq.loadState({ 'embedding.weight': cbT });
  const zVar = tf.variable(tf.tensor2d(z, [N, D]));
  const t = tf.tensor2d(target, [N, D]);
  const [embedding] = vq.trainableVariables();
  const { value, grads } = tf.variableGrads(() => {
    const r = vq.quantize(zVar as unknown as tf.Tensor2D, { training: true });
    return tf.add(tf.mean(tf.squaredDifference(r.quantized, t)), r.loss) as tf.Scalar;
  }, [zVar, embedding!]);
  const out = {
    loss: (await value.data())[0]!,
    gz: Array.from(await grads[zVar.name]!.data()),
    gcb: Array.from(await grads[embedding!.name]!.data()),
  };
  tf.dispose([cbT, zVar, t, value, ...Object.values(grads)]);
  vq.dispose();
  return out;
}

async function run() {
  await useWasmBackend();
  const rng = new Rng(17);
  const z = Array.from({ length: N * D }, () => rng.normal());
  const cb = Array.from({ length: K * D }, () => rng.normal());
  const target = Array.from({ length: N * D }, () => rng.normal());
  const py = spawnSync(python, ['-c', SCRIPT], { input: JSON.stringify({ N, D, K, beta: BETA, z, cb, target }), encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`torch reference failed: ${py.stderr}`);
  const ref = JSON.parse(py.stdout) as { ste: TorchRun; rot: TorchRun };
  const ste = await ours(z, cb, target, false);
  const rot = await ours(z, cb, target, true);
  const used = new Set(ref.ste.idx).size;
  return {
    used,
    ste: { loss: Math.abs(ste.loss - ref.ste.loss), gz: maxAbsDiff(ste.gz, ref.ste.gz), gcb: maxAbsDiff(ste.gcb, ref.ste.gcb) },
    rot: { loss: Math.abs(rot.loss - ref.rot.loss), gz: maxAbsDiff(rot.gz, ref.rot.gz), gcb: maxAbsDiff(rot.gcb, ref.rot.gcb) },
    rotDiffersFromSte: maxAbsDiff(rot.gz, ste.gz),
  };
}

const res = torchOk ? await run() : null;
const e = (v: number | undefined) => (v === undefined ? 'n/a' : v.toExponential(2));

describe.skipIf(!torchOk)(`VQ gradients match PyTorch${torchOk ? '' : ' (skipped: /usr/bin/python3 with torch absent)'}`, () => {
  it(`straight-through: loss |Δ| ${e(res?.ste.loss)}, dz max |Δ| ${e(res?.ste.gz)}, dcodebook max |Δ| ${e(res?.ste.gcb)}`, () => {
    expect(res!.used).toBeGreaterThan(1);
    expect(res!.ste.loss).toBeLessThan(1e-5);
    expect(res!.ste.gz).toBeLessThan(1e-5);
    expect(res!.ste.gcb).toBeLessThan(1e-5);
  });
  it(`rotation trick: loss |Δ| ${e(res?.rot.loss)}, dz max |Δ| ${e(res?.rot.gz)}, dcodebook max |Δ| ${e(res?.rot.gcb)}`, () => {
    expect(res!.rot.loss).toBeLessThan(1e-5);
    expect(res!.rot.gz).toBeLessThan(1e-5);
    expect(res!.rot.gcb).toBeLessThan(1e-5);
    // And it is a different gradient from the plain estimator's.
    expect(res!.rotDiffersFromSte).toBeGreaterThan(1e-3);
  });
});
