/**
 * Soft and Gumbel-softmax VQ against the PyTorch twin (resources/pytorch/tokenscope_tokenizer.py's
 * SoftVQ and GumbelQuantize, under Debian's /usr/bin/python3 with torch; skipped with the reason
 * when absent):
 * - the training path's forward value and gradients, with the Gumbel noise fixed and given to
 *   both sides: loss = ‖z_q − target‖² + the quantizer's loss (soft: codebook + β·commitment;
 *   gumbel: kl_weight·KL to uniform), gradients to the latents, the codebook and the projection
 *   within 1e-5 (max |Δ| in the test names);
 * - a tokenizer trained a few steps with each assignment, exported: the twin's `encode` gives
 *   the same token ids as TokenScope's (hard at inference: argmin / argmax of the logits), and
 *   the folder imports back into TokenScope with its settings and the same ids.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../contract';
import { readNpy, toInt32, writeNpy } from '../../data/npy';
import { createProceduralSequence } from '../../data/procedural-scene';
import { Rng } from '../../util/rng';
import { initBackend } from '../backend';
import { disposeStateDict, exportForPyTorch, importFromPyTorch } from '../checkpoint/export';
import { DEBIAN_PYTHON, probePython, runPython } from '../checkpoint/python-check';
import { pythonModuleDir } from '../checkpoint/test-fixtures';
import { Tokenizer } from '../tokenizer';
import { BatchSampler } from '../train/batch-sampler';
import { Trainer } from '../train/trainer';
import { GumbelQuantizer } from './gumbel';
import { SoftVectorQuantizer } from './soft-vq';
import { maxAbsDiff } from './test-backend';

const py = probePython(['torch', 'numpy']);
const N = 24;
const D = 6;
const K = 10;
const BETA = 0.25;

const GRADS = String.raw`
import json, sys, torch
import torch.nn.functional as F
sys.path.insert(0, sys.argv[1])
from tokenscope_tokenizer import SoftVQ, GumbelQuantize
a = json.load(sys.stdin)
N, D, K, beta = a['N'], a['D'], a['K'], a['beta']
T = lambda k, *s: torch.tensor(a[k], dtype=torch.float32).reshape(*s)
def soft(tau):
    q = SoftVQ(D, K)
    with torch.no_grad(): q.embedding.weight.copy_(T('cb', K, D))
    z = T('z', N, D).requires_grad_()
    out, idx = q.forward_soft(z, tau)
    hard = q.codebook()[idx]
    loss = F.mse_loss(out, T('target', N, D)) + F.mse_loss(hard, z.detach()) + beta * F.mse_loss(z, hard.detach())
    loss.backward()
    return {'loss': loss.item(), 'out': out.detach().reshape(-1).tolist(), 'idx': idx.tolist(),
            'g': {'z': z.grad.reshape(-1).tolist(), 'embedding.weight': q.embedding.weight.grad.reshape(-1).tolist()}}
def gumbel(tau, hard):
    q = GumbelQuantize(D, K, hard=hard, kl_weight=a['kl'])
    with torch.no_grad():
        q.proj.weight.copy_(T('w', K, D, 1, 1)); q.proj.bias.copy_(T('b', K)); q.embedding.weight.copy_(T('cb', K, D))
    z = T('z', N, D).requires_grad_()
    out, kl, idx = q.forward_train(z, tau, T('noise', N, K))
    loss = F.mse_loss(out, T('target', N, D)) + kl
    loss.backward()
    inf = q(z.detach())[1]
    return {'loss': loss.item(), 'out': out.detach().reshape(-1).tolist(), 'idx': idx.tolist(), 'inf': inf.tolist(),
            'g': {'z': z.grad.reshape(-1).tolist(), 'proj.weight': q.proj.weight.grad.reshape(-1).tolist(),
                  'proj.bias': q.proj.bias.grad.reshape(-1).tolist(), 'embedding.weight': q.embedding.weight.grad.reshape(-1).tolist()}}
print(json.dumps({'soft': soft(a['tau']), 'gumbel_soft': gumbel(a['tau'], False), 'gumbel_hard': gumbel(a['tau'], True)}))
`;

interface Run {
  loss: number;
  out: number[];
  idx: number[];
  inf?: number[];
  g: Record<string, number[]>;
}

interface Diff {
  loss: number;
  out: number;
  grads: Record<string, number>;
  idsEqual: boolean;
  infEqual?: boolean;
}

async function oursSoft(a: Record<string, number[]>, tau: number): Promise<Run> {
  const q = new SoftVectorQuantizer({ dim: D, codebookSize: K, beta: BETA, temperature: tau });
  const cb = tf.tensor2d(a.cb!, [K, D]);
  q.loadState({ 'embedding.weight': cb });
  return gradsOf(q, q.trainableVariables(), ['embedding.weight'], a, (z) => q.quantize(z, { training: true }), [cb]);
}

async function oursGumbel(a: Record<string, number[]>, tau: number, hard: boolean, kl: number): Promise<Run> {
  const q = new GumbelQuantizer({ dim: D, codebookSize: K, hard, klWeight: kl, temperature: tau });
  const init = [tf.tensor4d(a.w!, [K, D, 1, 1]), tf.tensor1d(a.b!), tf.tensor2d(a.cb!, [K, D])];
  q.loadState({ 'proj.weight': init[0]!, 'proj.bias': init[1]!, 'embedding.weight': init[2]! });
  const noise = tf.tensor2d(a.noise!, [N, K]);
  const r = await gradsOf(q, q.trainableVariables(), ['proj.weight', 'proj.bias', 'embedding.weight'], a, (z) => q.forwardWithNoise(z, noise), [...init, noise]);
  const zT = tf.tensor2d(a.z!, [N, D]);
  const inf = q.quantize(zT, { training: false });
  r.inf = Array.from(await inf.indices.data());
  tf.dispose([zT, inf.quantized, inf.indices, inf.loss, ...Object.values(inf.lossParts)]);
  q.dispose();
  return r;
}

async function gradsOf(
  q: { dispose(): void },
  vars: tf.Variable[],
  names: string[],
  a: Record<string, number[]>,
  f: (z: tf.Tensor2D) => { quantized: tf.Tensor2D; indices: tf.Tensor; loss: tf.Scalar },
  owned: tf.Tensor[],
): Promise<Run> {
  const zVar = tf.variable(tf.tensor2d(a.z!, [N, D]));
  const t = tf.tensor2d(a.target!, [N, D]);
  let out!: tf.Tensor;
  let idx!: tf.Tensor;
  const { value, grads } = tf.variableGrads(() => {
    const r = f(zVar as unknown as tf.Tensor2D);
    out = tf.keep(r.quantized);
    idx = tf.keep(r.indices);
    return tf.add(tf.mean(tf.squaredDifference(r.quantized, t)), r.loss) as tf.Scalar;
  }, [zVar, ...vars]);
  const g: Record<string, number[]> = { z: Array.from(await grads[zVar.name]!.data()) };
  for (const [i, v] of vars.entries()) g[names[i]!] = Array.from(await grads[v.name]!.data());
  const run: Run = { loss: (await value.data())[0]!, out: Array.from(await out.data()), idx: Array.from(await idx.data()), g };
  tf.dispose([zVar, t, value, out, idx, ...owned, ...Object.values(grads)]);
  if (q instanceof SoftVectorQuantizer) q.dispose();
  return run;
}

function compare(ours: Run, ref: Run): Diff {
  const grads: Record<string, number> = {};
  for (const k of Object.keys(ref.g)) grads[k] = maxAbsDiff(ours.g[k]!, ref.g[k]!);
  const d: Diff = { loss: Math.abs(ours.loss - ref.loss), out: maxAbsDiff(ours.out, ref.out), grads, idsEqual: ours.idx.join() === ref.idx.join() };
  if (ref.inf) d.infEqual = ours.inf!.join() === ref.inf.join();
  return d;
}

async function gradientRuns() {
  await initBackend({ prefer: ['wasm'] });
  const rng = new Rng(23);
  const r = (n: number, s = 1) => Array.from({ length: n }, () => rng.normal() * s);
  // Gumbel noise −log(−log u) drawn here and handed to both sides.
  const noise = Array.from({ length: N * K }, () => -Math.log(-Math.log(rng.range(1e-6, 1))));
  const a = { z: r(N * D), cb: r(K * D), target: r(N * D), w: r(K * D, 0.5), b: r(K, 0.1), noise };
  const tau = 0.8;
  const kl = 0.05;
  const p = spawnSync(DEBIAN_PYTHON, ['-c', GRADS, pythonModuleDir], { input: JSON.stringify({ ...a, N, D, K, beta: BETA, tau, kl }), encoding: 'utf8', timeout: 120_000 });
  if (p.status !== 0) throw new Error(`torch reference failed: ${p.stderr}`);
  const ref = JSON.parse(p.stdout) as Record<string, Run>;
  return {
    soft: compare(await oursSoft(a, tau), ref.soft!),
    gumbelSoft: compare(await oursGumbel(a, tau, false, kl), ref.gumbel_soft!),
    gumbelHard: compare(await oursGumbel(a, tau, true, kl), ref.gumbel_hard!),
    distinctIds: new Set(ref.gumbel_hard!.idx).size,
    projGradScale: Math.max(...ref.gumbel_hard!.g['proj.weight']!.map(Math.abs)),
    softCodebookGradScale: Math.max(...ref.soft!.g['embedding.weight']!.map(Math.abs)),
    hardVsSoftSample: maxAbsDiff(ref.gumbel_hard!.g.z!, ref.gumbel_soft!.g.z!),
  };
}

const res = py.ok ? await gradientRuns() : null;
const e = (v: number | undefined) => (v === undefined ? 'n/a' : v.toExponential(2));
const worst = (d: Diff | undefined) => (d ? e(Math.max(...Object.values(d.grads))) : 'n/a');

describe.skipIf(!py.ok)(`soft / Gumbel VQ against the PyTorch twin${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  for (const [key, label] of [
    ['soft', 'soft: softmax(−d/τ)·E'],
    ['gumbelSoft', 'gumbel, soft sample'],
    ['gumbelHard', 'gumbel, straight-through hard sample'],
  ] as const) {
    it(`${label}: forward |Δ| ${e(res?.[key].out)}, loss |Δ| ${e(res?.[key].loss)}, gradients max |Δ| ${worst(res?.[key])}`, () => {
      const d = res![key];
      expect(d.out).toBeLessThan(1e-5);
      expect(d.loss).toBeLessThan(1e-5);
      for (const [name, v] of Object.entries(d.grads)) expect(v, `d/d${name} max |Δ| ${e(v)}`).toBeLessThan(1e-5);
      expect(d.idsEqual).toBe(true);
      if (d.infEqual !== undefined) expect(d.infEqual).toBe(true);
    });
  }
  it('the comparison means something: several codes chosen, gradients non-zero', () => {
    expect(res!.distinctIds).toBeGreaterThan(2);
    expect(res!.projGradScale).toBeGreaterThan(1e-4);
    expect(res!.softCodebookGradScale).toBeGreaterThan(1e-4);
    // The straight-through hard sample is a different path from the soft sample.
    expect(res!.hardVsSoftSample).toBeGreaterThan(1e-4);
  });
});

// ---- export: the twin's hard ids equal TokenScope's after training with each assignment ----

const ENCODE = String.raw`
import sys, numpy as np, torch
sys.path.insert(0, sys.argv[1])
from tokenscope_tokenizer import load_tokenscope, GumbelQuantize, SoftVQ
for d in sys.argv[2:]:
    m = load_tokenscope(d)
    kind = type(m.quantizer).__name__
    assert kind in ('GumbelQuantize', 'SoftVQ'), kind
    np.save(d + '/idx_torch.npy', m.encode(torch.from_numpy(np.load(d + '/x.npy'))).numpy().astype(np.int32))
`;

describe.skipIf(!py.ok)(`exported soft / Gumbel tokenizers encode to the same ids in PyTorch${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  it('after 4 training steps with each assignment: twin ids equal TokenScope ids', async () => {
    await initBackend({ prefer: ['wasm'] });
    const seq = createProceduralSequence({ seed: 5, frames: 4, size: 32 });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-relaxed-'));
    try {
      const cases: Array<{ out: string; idx: Int32Array; label: string }> = [];
      for (const assignment of ['soft', 'gumbel'] as const) {
        const cfg: TrainConfig = {
          model: { inChannels: seq.channels, hidden: 8, latentDim: 8, stages: 2 },
          quantizer: { kind: 'vq', codebookSize: 32, assignment, temperature: { start: 1, end: 0.2, schedule: 'exponential' }, gapEvery: 2 },
          learningRate: 3e-3,
          steps: 4,
          batchSize: 2,
          crop: 0,
          seed: 7,
          checkpointEvery: 0,
        };
        const tok = new Tokenizer(cfg, seq.encoding);
        const trainer = new Trainer(tok, cfg);
        const sampler = new BatchSampler(seq, 2, 0, 3, 2);
        for (let i = 0; i < 4; i++) await trainer.trainStep(await sampler.next());
        const out = path.join(dir, assignment);
        const { channelNames } = seq;
        await exportForPyTorch(tok, cfg, out, { height: 32, width: 32, channelNames: [...channelNames], encoding: seq.encoding });
        const shape: [number, number, number, number] = [4, seq.channels, 32, 32];
        const x = new Float32Array(shape.reduce((p, v) => p * v, 1));
        for (let f = 0; f < 4; f++) x.set((await seq.getFrame(f)).data, f * seq.channels * 32 * 32);
        await writeNpy(path.join(out, 'x.npy'), x, shape);
        const xt = tf.tensor4d(x, shape);
        const enc = tok.encode(xt);
        cases.push({ out, idx: (await enc.indices.data()) as Int32Array, label: assignment });
        // And back: the export folder imports into TokenScope with its assignment and the same ids.
        const imported = await importFromPyTorch(out);
        expect(imported.config.quantizer).toEqual(cfg.quantizer);
        const back = new Tokenizer(imported.config, seq.encoding);
        back.loadStateDict(imported.stateDict);
        disposeStateDict(imported.stateDict);
        const enc2 = back.encode(xt);
        expect(Array.from(await enc2.indices.data()), `${assignment}: re-imported ids`).toEqual(Array.from(cases.at(-1)!.idx));
        tf.dispose([enc2.indices, enc2.quantError]);
        back.dispose();
        tf.dispose([xt, enc.indices, enc.quantError]);
        trainer.dispose();
        tok.dispose();
      }
      runPython(ENCODE, [pythonModuleDir, ...cases.map((c) => c.out)]);
      for (const c of cases) {
        const idx = toInt32(await readNpy(path.join(c.out, 'idx_torch.npy')));
        const same = idx.reduce((s, v, i) => s + (v === c.idx[i] ? 1 : 0), 0);
        console.info(`${c.label}: ${same}/${idx.length} token ids equal PyTorch's, ${new Set(c.idx).size} distinct`);
        expect(Array.from(idx), c.label).toEqual(Array.from(c.idx));
        expect(new Set(c.idx).size, c.label).toBeGreaterThan(1);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
