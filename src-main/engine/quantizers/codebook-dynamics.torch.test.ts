/**
 * Codebook dynamics against the PyTorch training kit (resources/pytorch/kit_quantizer.py, run by
 * Debian's /usr/bin/python3 with torch 1.13; skipped with the reason when absent), for what has a
 * deterministic reference:
 * - split-and-perturb without noise and dead-by-steps (also with largest-error reseeding): the
 *   codebook, EMA counts and sums and the reseed events after every step of a scripted run;
 * - the commitment weight's schedule: the quantizer loss at several steps;
 * - the codebook's own learning rate: TokenScope's Adam with a parameter group against
 *   torch.optim.Adam with two param groups, three steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import { probePython, runPython } from '../checkpoint/python-check';
import { pythonModuleDir } from '../checkpoint/test-fixtures';
import { Adam } from '../train/adam';
import { maxAbsDiff, useWasmBackend } from './test-backend';
import { VectorQuantizer, type VqOptions } from './vq';

const py = probePython(['torch']);
beforeAll(useWasmBackend);

const K = 8;
const D = 3;
const N = 12;
const STEPS = 7;

/** A scripted run: latents and assignments per step (codes 4..7 used rarely, then never). */
function script(seed: number) {
  const rng = new Rng(seed);
  const z: number[][][] = [];
  const idx: number[][] = [];
  for (let s = 0; s < STEPS; s++) {
    z.push(Array.from({ length: N }, () => Array.from({ length: D }, () => rng.normal())));
    idx.push(Array.from({ length: N }, (_, i) => (s < 2 && i === 0 ? 5 : i % 3 === 0 ? 0 : i % 4)));
  }
  const codebook = Array.from({ length: K }, () => Array.from({ length: D }, () => rng.normal()));
  return { z, idx, codebook };
}

const DYNAMICS_SCRIPT = `
import json, sys, torch
sys.path.insert(0, sys.argv[1])
import tokenscope_tokenizer as tt
from kit_quantizer import VQTraining, Comm
a = json.load(sys.stdin)
q = a['q']
vq = tt.VQ(a['D'], a['K'], ema=q.get('ema', False))
with torch.no_grad():
    vq.embedding.weight.copy_(torch.tensor(a['codebook']))
    vq.embed_avg.copy_(torch.tensor(a['codebook']))
    vq.cluster_size.fill_(1.0)
t = VQTraining(vq, q, torch.Generator().manual_seed(0))
out = []
for s, (z, idx) in enumerate(zip(a['z'], a['idx'])):
    t.step = s
    t.after_step(torch.tensor(z), torch.tensor(idx), Comm(), 1)
    out.append({'codes': vq.embedding.weight.detach().reshape(-1).tolist(), 'counts': vq.cluster_size.tolist(),
                'avg': vq.embed_avg.reshape(-1).tolist(), 'events': t.reseeds})
    t.reseeds = []
print(json.dumps(out))
`;

interface StepState {
  codes: number[];
  counts: number[];
  avg: number[];
  events: unknown[];
}

async function ours(opts: Omit<VqOptions, 'dim' | 'codebookSize'>, s: ReturnType<typeof script>): Promise<StepState[]> {
  const vq = new VectorQuantizer({ dim: D, codebookSize: K, ...opts });
  tf.tidy(() => vq.loadState({ 'embedding.weight': tf.tensor2d(s.codebook), embed_avg: tf.tensor2d(s.codebook), cluster_size: tf.ones([K]) }));
  const out: StepState[] = [];
  for (let i = 0; i < STEPS; i++) {
    const z = tf.tensor2d(s.z[i]!);
    const idx = tf.tensor1d(s.idx[i]!, 'int32');
    vq.afterStep(z, idx);
    tf.dispose([z, idx]);
    const events = await vq.takeReseeds(i + 1);
    const st = vq.state();
    out.push({
      codes: Array.from(await st['embedding.weight']!.data()),
      counts: Array.from(await st.cluster_size!.data()),
      avg: Array.from(await st.embed_avg!.data()),
      events,
    });
  }
  vq.dispose();
  return out;
}

function theirs(q: Record<string, unknown>, s: ReturnType<typeof script>): StepState[] {
  return JSON.parse(runPython(DYNAMICS_SCRIPT.replace('json.load(sys.stdin)', `json.loads(${JSON.stringify(JSON.stringify({ q, D, K, ...s }))})`), [pythonModuleDir])) as StepState[];
}

const CASES: Array<{ name: string; ts: Omit<VqOptions, 'dim' | 'codebookSize'>; torch: Record<string, unknown> }> = [
  {
    name: 'split, EMA codebook, dead by count and by steps',
    ts: { ema: true, decay: 0.8, deadCodeThreshold: 0.3, deadAfterSteps: 3, reseed: 'split' },
    torch: { kind: 'vq', ema: true, ema_decay: 0.8, dead_code_threshold: 0.3, dead_after_steps: 3, reseed: 'split' },
  },
  {
    name: 'split, trained codebook, dead by steps only',
    ts: { decay: 0.9, deadAfterSteps: 2, reseed: 'split' },
    torch: { kind: 'vq', ema_decay: 0.9, dead_after_steps: 2, reseed: 'split' },
  },
  {
    name: 'largest-error, dead by steps only',
    ts: { ema: true, decay: 0.9, deadAfterSteps: 2, reseed: 'largest-error' },
    torch: { kind: 'vq', ema: true, ema_decay: 0.9, dead_after_steps: 2, reseed: 'largest-error' },
  },
];

describe.skipIf(!py.ok)(`codebook dynamics match the PyTorch kit${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  for (const c of CASES) {
    it(`${c.name}: codebook, counts, sums and events after each of ${STEPS} steps`, async () => {
      const s = script(11);
      const a = await ours(c.ts, s);
      const b = theirs(c.torch, s);
      let reseeded = 0;
      for (let i = 0; i < STEPS; i++) {
        expect(maxAbsDiff(a[i]!.codes, b[i]!.codes), `step ${i + 1} codes`).toBeLessThan(1e-5);
        expect(maxAbsDiff(a[i]!.counts, b[i]!.counts), `step ${i + 1} counts`).toBeLessThan(1e-5);
        expect(maxAbsDiff(a[i]!.avg, b[i]!.avg), `step ${i + 1} sums`).toBeLessThan(1e-5);
        expect(a[i]!.events, `step ${i + 1} events`).toEqual(b[i]!.events);
        reseeded += a[i]!.events.length;
      }
      expect(reseeded).toBeGreaterThan(0); // the script does kill codes
    });
  }

  it('the commitment schedule gives the same quantizer loss at every step', async () => {
    const s = script(5);
    const schedule = { start: 2, end: 0.5, steps: 3 };
    const vq = new VectorQuantizer({ dim: D, codebookSize: K, betaSchedule: schedule });
    tf.tidy(() => vq.loadState({ 'embedding.weight': tf.tensor2d(s.codebook) }));
    const z = tf.tensor2d(s.z[0]!);
    const ts: number[] = [];
    for (const step of [0, 1, 2, 3, 5]) {
      vq.setTrainingStep(step);
      const loss = tf.tidy(() => vq.quantize(z, { training: true }).loss);
      ts.push((await loss.data())[0]!);
      loss.dispose();
    }
    z.dispose();
    vq.dispose();
    const out = runPython(
      `
import json, sys, torch
sys.path.insert(0, sys.argv[1])
import tokenscope_tokenizer as tt
from kit_quantizer import VQTraining, Comm
a = json.loads(sys.argv[2])
vq = tt.VQ(${D}, ${K})
with torch.no_grad(): vq.embedding.weight.copy_(torch.tensor(a['codebook']))
t = VQTraining(vq, {'kind': 'vq', 'beta_schedule': a['schedule']}, torch.Generator())
losses = []
for step in [0, 1, 2, 3, 5]:
    t.step = step
    losses.append(t.forward(torch.tensor(a['z']), Comm(), 1)[2].item())
print(json.dumps(losses))
`,
      [pythonModuleDir, JSON.stringify({ codebook: s.codebook, z: s.z[0], schedule })],
    );
    const ref = JSON.parse(out) as number[];
    expect(maxAbsDiff(ts, ref)).toBeLessThan(1e-5);
    expect(ts[0]! - ts[3]!).toBeGreaterThan(0); // the schedule did change the loss
  });

  it("the codebook's learning rate: Adam with a parameter group matches torch.optim.Adam's param groups over 3 steps", async () => {
    const rng = new Rng(3);
    const init = { w: Array.from({ length: 6 }, () => rng.normal()), cb: Array.from({ length: 6 }, () => rng.normal()) };
    const grads = Array.from({ length: 3 }, () => ({ w: Array.from({ length: 6 }, () => rng.normal()), cb: Array.from({ length: 6 }, () => rng.normal()) }));
    const params = { w: tf.variable(tf.tensor1d(init.w)), 'quantizer.embedding.weight': tf.variable(tf.tensor1d(init.cb)) };
    const adam = new Adam({ learningRate: 1e-2, learningRates: { 'quantizer.embedding.weight': 1e-4 } });
    for (const g of grads) {
      const gt = { w: tf.tensor1d(g.w), 'quantizer.embedding.weight': tf.tensor1d(g.cb) };
      adam.apply(params, gt);
      tf.dispose(Object.values(gt));
    }
    const ours = { w: Array.from(await params.w.data()), cb: Array.from(await params['quantizer.embedding.weight'].data()) };
    adam.dispose();
    tf.dispose(Object.values(params));
    const out = runPython(
      `
import json, sys, torch
a = json.loads(sys.argv[1])
w = torch.tensor(a['init']['w'], requires_grad=True)
cb = torch.tensor(a['init']['cb'], requires_grad=True)
opt = torch.optim.Adam([{'params': [w]}, {'params': [cb], 'lr': 1e-4}], lr=1e-2, betas=(0.9, 0.999), eps=1e-8)
for g in a['grads']:
    w.grad = torch.tensor(g['w']); cb.grad = torch.tensor(g['cb'])
    opt.step()
print(json.dumps({'w': w.tolist(), 'cb': cb.tolist()}))
`,
      [JSON.stringify({ init, grads })],
    );
    const ref = JSON.parse(out) as { w: number[]; cb: number[] };
    expect(maxAbsDiff(ours.w, ref.w)).toBeLessThan(1e-6);
    expect(maxAbsDiff(ours.cb, ref.cb)).toBeLessThan(1e-6);
    // The codebook moved 100× less than the rest.
    expect(maxAbsDiff(ours.cb, init.cb)).toBeLessThan(4e-4);
    expect(maxAbsDiff(ours.w, init.w)).toBeGreaterThan(1e-2);
  });
});
