/**
 * Every codebook objective against a small PyTorch implementation of the same formula, written
 * out below (Debian's /usr/bin/python3 with torch 1.13; skipped with the reason when absent):
 * value and gradient w.r.t. the codebook (InfoNCE: and w.r.t. the latents) within 1e-5. The
 * orthogonality term is the library's `orthogonal_loss_fn` on `codebook[unique(indices)]`, as
 * VectorQuantize applies it with `orthogonal_reg_active_codes_only`. Max |Δ| in the test names.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import {
  infoNceLoss,
  normLoss,
  orthogonalLoss,
  orthogonalRegulariser,
  repulsionLoss,
  varianceHingeLoss,
  vicregCovarianceLoss,
  vicregVarianceLoss,
} from './codebook-objectives';
import { maxAbsDiff, useWasmBackend } from './test-backend';

const python = '/usr/bin/python3';
const torchOk = existsSync(python) && spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

const K = 12;
const D = 5;
const N = 20;
const NORM_TARGET = 0.8;
const SIGMA = 1.3;
const GAMMA = 0.9;
const TAU = 0.2;

const SCRIPT = `
import json, sys, torch
import torch.nn.functional as F
a = json.load(sys.stdin)
K, D, N = a['K'], a['D'], a['N']
idx = torch.tensor(a['idx'], dtype=torch.long)

def orthogonal_loss_fn(t):
    # vector-quantize-pytorch, vector_quantize_pytorch.py (eq. 2 of arXiv 2112.00384)
    h, n = t.shape[:2]
    normed_codes = F.normalize(t, p=2, dim=-1)
    cosine_sim = torch.einsum('h i d, h j d -> h i j', normed_codes, normed_codes)
    return (cosine_sim ** 2).sum() / (h * n ** 2) - (1 / n)

def ortho_all(e): return orthogonal_loss_fn(e[None])
def ortho_active(e): return orthogonal_loss_fn(e[None][:, torch.unique(idx)])
def norm(e): return ((e.pow(2).sum(-1) + 1e-12).sqrt() - a['target']).pow(2).mean()
def repulsion(e):
    d2 = (e[:, None, :] - e[None, :, :]).pow(2).sum(-1)
    k = torch.exp(-d2 / a['sigma'] ** 2)
    return (k.sum() - k.diagonal().sum()) / (K * (K - 1))
def variance_hinge(e):
    std = (e.var(dim=0, unbiased=False) + 1e-8).sqrt()
    return F.relu(a['gamma'] - std).pow(2).mean()
def vicreg_variance(e):
    # VICReg (Bardes et al. 2022), its reference code: std = sqrt(x.var(dim=0) + 0.0001)
    std = torch.sqrt(e.var(dim=0) + 0.0001)
    return torch.mean(F.relu(1 - std))
def vicreg_covariance(e):
    x = e - e.mean(dim=0)
    cov = (x.T @ x) / (K - 1)
    off = cov - torch.diag(torch.diagonal(cov))
    return off.pow(2).sum() / D

out = {}
for name, f in [('orthoAll', ortho_all), ('orthoActive', ortho_active), ('norm', norm), ('repulsion', repulsion),
                ('varianceHinge', variance_hinge), ('vicregVariance', vicreg_variance), ('vicregCovariance', vicreg_covariance)]:
    e = torch.tensor(a['cb'], dtype=torch.float32).reshape(K, D).requires_grad_()
    v = f(e)
    v.backward()
    out[name] = {'value': v.item(), 'gcb': e.grad.reshape(-1).tolist()}

e = torch.tensor(a['cb'], dtype=torch.float32).reshape(K, D).requires_grad_()
x = torch.tensor(a['x'], dtype=torch.float32).reshape(N, D).requires_grad_()
logits = F.normalize(x, dim=-1) @ F.normalize(e, dim=-1).T / a['tau']
v = F.cross_entropy(logits, idx)
v.backward()
out['infonce'] = {'value': v.item(), 'gcb': e.grad.reshape(-1).tolist(), 'gx': x.grad.reshape(-1).tolist()}
out['used'] = int(torch.unique(idx).numel())
print(json.dumps(out))
`;

interface Ref {
  value: number;
  gcb: number[];
  gx?: number[];
}

async function ours(f: (cb: tf.Tensor2D, x: tf.Tensor2D) => tf.Scalar, cb: number[], x: number[]) {
  // tf.variable copies the initial tensor's data without taking ownership of the tensor.
  const [cb0, x0] = [tf.tensor2d(cb, [K, D]), tf.tensor2d(x, [N, D])];
  const cbVar = tf.variable(cb0);
  const xVar = tf.variable(x0);
  tf.dispose([cb0, x0]);
  const { value, grads } = tf.variableGrads(() => f(cbVar as unknown as tf.Tensor2D, xVar as unknown as tf.Tensor2D), [cbVar, xVar]);
  const out = {
    value: (await value.data())[0]!,
    gcb: Array.from(await grads[cbVar.name]!.data()),
    gx: grads[xVar.name] ? Array.from(await grads[xVar.name]!.data()) : [],
  };
  tf.dispose([cbVar, xVar, value, ...Object.values(grads)]);
  return out;
}

async function run() {
  await useWasmBackend();
  const rng = new Rng(23);
  const cb = Array.from({ length: K * D }, () => rng.normal() * 0.7);
  const x = Array.from({ length: N * D }, () => rng.normal());
  // Codes 0..7 only, so that a third of the codebook is unused and "active only" matters.
  const idx = Array.from({ length: N }, () => rng.int(8));
  const py = spawnSync(python, ['-c', SCRIPT], {
    input: JSON.stringify({ K, D, N, cb, x, idx, target: NORM_TARGET, sigma: SIGMA, gamma: GAMMA, tau: TAU }),
    encoding: 'utf8',
  });
  if (py.status !== 0) throw new Error(`torch reference failed: ${py.stderr}`);
  const ref = JSON.parse(py.stdout) as Record<string, Ref> & { used: number };
  const idxT = tf.tensor1d(idx, 'int32');
  const before = tf.memory().numTensors;
  const fns: Record<string, (cb: tf.Tensor2D, x: tf.Tensor2D) => tf.Scalar> = {
    orthoAll: (e) => orthogonalLoss(e),
    orthoActive: (e) => orthogonalRegulariser(e, idxT, { activeOnly: true, random: () => rng.next() }),
    norm: (e) => normLoss(e, NORM_TARGET),
    repulsion: (e) => repulsionLoss(e, SIGMA),
    varianceHinge: (e) => varianceHingeLoss(e, GAMMA),
    vicregVariance: (e) => vicregVarianceLoss(e),
    vicregCovariance: (e) => vicregCovarianceLoss(e),
    infonce: (e, xs) => infoNceLoss(xs, e, idxT, TAU),
  };
  const res: Record<string, { value: number; gcb: number; gx: number; gcbNorm: number }> = {};
  for (const [name, f] of Object.entries(fns)) {
    const o = await ours(f, cb, x);
    const r = ref[name]!;
    res[name] = {
      value: Math.abs(o.value - r.value),
      gcb: maxAbsDiff(o.gcb, r.gcb),
      gx: r.gx ? maxAbsDiff(o.gx, r.gx) : 0,
      gcbNorm: Math.max(...r.gcb.map(Math.abs)),
    };
  }
  const leaked = tf.memory().numTensors - before;
  idxT.dispose();
  return { res, used: ref.used, leaked };
}

const out = torchOk ? await run() : null;
const e = (v: number | undefined) => (v === undefined ? 'n/a' : v.toExponential(2));
const NAMES = ['orthoAll', 'orthoActive', 'norm', 'repulsion', 'varianceHinge', 'vicregVariance', 'vicregCovariance', 'infonce'];

describe.skipIf(!torchOk)(`codebook objectives match PyTorch${torchOk ? '' : ' (skipped: /usr/bin/python3 with torch absent)'}`, () => {
  it('the batch leaves codes unused (so active-only differs from all codes)', () => {
    expect(out!.used).toBeLessThan(K);
    expect(out!.used).toBeGreaterThan(2);
  });
  for (const name of NAMES) {
    const r = out?.res[name];
    it(`${name}: value |Δ| ${e(r?.value)}, dcodebook max |Δ| ${e(r?.gcb)}${name === 'infonce' ? `, dlatents max |Δ| ${e(r?.gx)}` : ''}`, () => {
      expect(r!.value).toBeLessThan(1e-5);
      expect(r!.gcb).toBeLessThan(1e-5);
      expect(r!.gx).toBeLessThan(1e-5);
      // A gradient that is all zeros would pass trivially: the reference's must be substantial.
      expect(r!.gcbNorm).toBeGreaterThan(1e-3);
    });
  }
  it('leaves no tensors behind', () => {
    expect(out!.leaked).toBe(0);
  });
});
