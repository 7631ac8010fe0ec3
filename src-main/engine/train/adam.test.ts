import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { initBackend } from '../backend';
import { Adam } from './adam';

const PY = '/usr/bin/python3';
const hasTorch = existsSync(PY) && spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

/** f(p) = Σ (p − t)² · w, gradients by tfjs; the same steps in torch.optim.Adam. */
const P0 = [0.5, -1.25, 2, 0.1];
const T = [1, 2, -3, 0.5];
const Wt = [1, 10, 0.1, 3];

async function runOurs(steps: number): Promise<number[]> {
  const p = tf.variable(tf.tensor1d(P0));
  const adam = new Adam({ learningRate: 0.1 });
  for (let i = 0; i < steps; i++) {
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.square(tf.sub(p, tf.tensor1d(T))), tf.tensor1d(Wt))) as tf.Scalar, [p]);
    adam.apply({ p }, { p: grads[p.name]! });
    tf.dispose(Object.values(grads));
  }
  const out = Array.from(await p.data());
  p.dispose();
  adam.dispose();
  return out;
}

describe('Adam', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  it.skipIf(!hasTorch)(`matches torch.optim.Adam step for step (${hasTorch ? 'torch found' : 'skipped: no torch'})`, async () => {
    const ours = await runOurs(5);
    const script = `
import torch, json
p = torch.tensor(${JSON.stringify(P0)}, requires_grad=True)
t = torch.tensor(${JSON.stringify(T)}); w = torch.tensor(${JSON.stringify(Wt)})
opt = torch.optim.Adam([p], lr=0.1)
for _ in range(5):
    opt.zero_grad(); (((p - t) ** 2) * w).sum().backward(); opt.step()
print(json.dumps(p.detach().tolist()))`;
    const r = spawnSync(PY, ['-c', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const theirs = JSON.parse(r.stdout) as number[];
    for (let i = 0; i < 4; i++) expect(ours[i]).toBeCloseTo(theirs[i]!, 5);
  });

  it('state round-trips: 2 steps + restore + 3 steps = 5 steps', async () => {
    const straight = await runOurs(5);
    const p = tf.variable(tf.tensor1d(P0));
    const a = new Adam({ learningRate: 0.1 });
    const step = (opt: Adam) => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.square(tf.sub(p, tf.tensor1d(T))), tf.tensor1d(Wt))) as tf.Scalar, [p]);
      opt.apply({ p }, { p: grads[p.name]! });
      tf.dispose(Object.values(grads));
    };
    step(a);
    step(a);
    const saved = a.getState();
    expect(saved.step).toBe(2);
    expect(Object.keys(saved.tensors).sort()).toEqual(['p.exp_avg', 'p.exp_avg_sq']);
    const b = new Adam({ learningRate: 0.1 });
    b.setState(saved, { p });
    for (let i = 0; i < 3; i++) step(b);
    const got = Array.from(await p.data());
    for (let i = 0; i < 4; i++) expect(got[i]).toBeCloseTo(straight[i]!, 6);
    expect(() => b.setState({ step: 1, tensors: { 'q.exp_avg': saved.tensors['p.exp_avg']! } }, { p })).toThrow(/q\.exp_avg names no parameter/);
    tf.dispose([p, ...Object.values(saved.tensors)]);
    a.dispose();
    b.dispose();
  });
});
