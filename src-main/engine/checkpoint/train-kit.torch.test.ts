import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { createQuantizer } from '../quantizers/create-quantizer';
import type { TrainConfig } from '../../contract';
import { encodeNpy, readNpy, toInt32 } from '../../data/npy';
import { Rng } from '../../util/rng';
import { disposeStateDict, exportForPyTorch, importFromPyTorch } from './export';
import { readSafetensors } from './safetensors';
import { DEBIAN_PYTHON, probePython, runPython } from './python-check';
import { pythonModuleDir, randomStateDict, smallConfig } from './test-fixtures';
import { writeTrainKit } from './train-kit';

/**
 * Issue 14's training kit, run for real: `torchrun` (Debian's torch 1.13, gloo on CPU) with 2
 * processes follows the trajectory of one process with the same global batch (EMA, k-means and
 * dead-code reseeding on), a run whose rank dies resumes from its last checkpoint and continues
 * the same loss sequence, and the checkpoints it writes open in TokenScope with the same tokens
 * as the PyTorch model, for every quantizer kind.
 */

const py = probePython(['torch', 'torch.distributed', 'numpy']);
const CONTINUOUS = { kind: 'continuous' } as const;
const FRAMES: [number, number, number, number] = [12, 3, 16, 16];

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-kit-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function frames(seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: FRAMES.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

/** A kit for `config` with random weights, training on 12 random 16×16 frames. */
async function makeKit(name: string, config: TrainConfig, seed: number): Promise<string> {
  const tok = new Tokenizer(config, CONTINUOUS, createQuantizer(config.quantizer, config.model.latentDim, config.seed));
  const sd = randomStateDict(config, seed);
  tok.loadStateDict(sd);
  disposeStateDict(sd);
  // A fresh folder each call: a retried test must not find the failed attempt's kit.
  const kit = await fs.mkdtemp(path.join(dir, `${name}-`));
  const input = { height: 16, width: 16, channelNames: ['a', 'b', 'c'], encoding: CONTINUOUS };
  try {
    await writeTrainKit(
      kit,
      { kind: 'frames', file: 'frames.npy', frames: FRAMES[0], description: 'random test frames' },
      (into) => exportForPyTorch(tok, config, into, input),
      (into) => fs.writeFile(path.join(into, 'frames.npy'), encodeNpy(frames(seed), [...FRAMES])),
    );
  } finally {
    tok.dispose();
  }
  return kit;
}

/** `torchrun --standalone --nproc_per_node n train.py …` (or plain python for n = 0). */
function launch(kit: string, n: number, args: string[], env: Record<string, string> = {}) {
  // Debian's torch 1.13 on Python 3.11 misparses torchrun's default `--redirects 0`; 1/1 works everywhere.
  const head = n > 0 ? ['-m', 'torch.distributed.run', '--redirects', '1', '--tee', '1', '--standalone', '--nproc_per_node', String(n)] : [];
  const r = spawnSync(DEBIAN_PYTHON, [...head, path.join(kit, 'train.py'), ...args], {
    encoding: 'utf8',
    timeout: 240_000,
    // A dead rank's peers fail after this instead of waiting in a collective (train.py --dist-timeout).
    env: { ...process.env, OMP_NUM_THREADS: '1', TOKENSCOPE_KIT_DIST_TIMEOUT_S: '60', ...env },
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

interface MetricLine {
  step: number;
  loss: number;
  reconLoss: number;
  utilization: number;
  processes: number;
}

async function metrics(run: string): Promise<MetricLine[]> {
  const text = await fs.readFile(path.join(run, 'metrics.jsonl'), 'utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l) as MetricLine);
}

async function codebook(checkpointDir: string): Promise<Float32Array> {
  const f = await readSafetensors(path.join(checkpointDir, 'model.safetensors'));
  const t = f.tensors['quantizer.embedding.weight'];
  if (!t) throw new Error('no codebook in the checkpoint');
  return new Float32Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const VQ_FULL = { ...smallConfig({ kind: 'vq', codebookSize: 16, ema: true, kmeansInit: true, deadCodeThreshold: 2, reseed: 'random' }), batchSize: 4, crop: 8, learningRate: 3e-3 };

describe.skipIf(!py.ok)(`training kit under torchrun (gloo, CPU)${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  it('2 processes with per-rank batch B/2 follow 1 process with batch B (EMA, k-means, reseeding): losses and codebook within 1e-5', async () => {
    const kit = await makeKit('vq-full', VQ_FULL, 5);
    const one = launch(kit, 1, ['--steps', '10', '--out', path.join(kit, 'run1'), '--checkpoint-every', '5']);
    expect(one.status, one.out).toBe(0);
    const two = launch(kit, 2, ['--steps', '10', '--out', path.join(kit, 'run2'), '--checkpoint-every', '5']);
    expect(two.status, two.out).toBe(0);
    const a = await metrics(path.join(kit, 'run1'));
    const b = await metrics(path.join(kit, 'run2'));
    expect(a.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(b.map((m) => m.step)).toEqual(a.map((m) => m.step));
    expect(b[0]!.processes).toBe(2);
    // Training moved: the comparison is of a trajectory, not of a constant.
    expect(new Set(a.map((m) => m.loss.toFixed(6))).size).toBeGreaterThan(5);
    for (let i = 0; i < a.length; i++) {
      expect(Math.abs(a[i]!.loss - b[i]!.loss), `step ${i + 1}: ${a[i]!.loss} vs ${b[i]!.loss}`).toBeLessThan(1e-5);
      expect(Math.abs(a[i]!.utilization - b[i]!.utilization)).toBeLessThan(1e-9);
    }
    const cbDiff = maxAbsDiff(await codebook(path.join(kit, 'run1/checkpoints/step-000010')), await codebook(path.join(kit, 'run2/checkpoints/step-000010')));
    console.info(`torchrun 2 procs vs 1: max |Δloss| ${Math.max(...a.map((m, i) => Math.abs(m.loss - b[i]!.loss))).toExponential(2)}, max |Δcodebook| ${cbDiff.toExponential(2)}`);
    expect(cbDiff).toBeLessThan(1e-5);

    // A rank dies at step 6: the relaunch resumes from step 4's checkpoint and continues the same losses.
    const crashed = launch(kit, 2, ['--steps', '10', '--out', path.join(kit, 'run3'), '--checkpoint-every', '2'], {
      TOKENSCOPE_KIT_FAIL_AT_STEP: '6',
      TOKENSCOPE_KIT_FAIL_RANK: '1',
    });
    expect(crashed.status, 'the run with a dead rank fails').not.toBe(0);
    const ckpts = (await fs.readdir(path.join(kit, 'run3/checkpoints'))).filter((n) => !n.includes('.partial-')).sort();
    expect(ckpts).toEqual(['step-000002', 'step-000004']);
    const resumed = launch(kit, 2, ['--steps', '10', '--out', path.join(kit, 'run3'), '--checkpoint-every', '2']);
    expect(resumed.status, resumed.out).toBe(0);
    expect(resumed.out).toContain('resuming from');
    const c = await metrics(path.join(kit, 'run3'));
    expect(c.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let i = 0; i < c.length; i++) {
      expect(Math.abs(c[i]!.loss - b[i]!.loss), `resumed run, step ${i + 1}`).toBeLessThan(1e-6);
    }
  });

  it('--amp trains in mixed precision (bf16 autocast on CPU) along the same path as float32', async () => {
    const kit = await makeKit('amp', VQ_FULL, 9);
    const fp32 = launch(kit, 0, ['--steps', '4', '--out', path.join(kit, 'fp32')]);
    const amp = launch(kit, 0, ['--steps', '4', '--out', path.join(kit, 'amp'), '--amp']);
    expect(fp32.status, fp32.out).toBe(0);
    expect(amp.status, amp.out).toBe(0);
    const a = await metrics(path.join(kit, 'fp32'));
    const b = await metrics(path.join(kit, 'amp'));
    expect(b.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    for (let i = 0; i < a.length; i++) {
      expect(Number.isFinite(b[i]!.loss)).toBe(true);
      expect(Math.abs(a[i]!.loss - b[i]!.loss) / a[i]!.loss, `step ${i + 1}`).toBeLessThan(0.05);
    }
  });

  it('checkpoints written by the kit open in TokenScope with the same tokens as the PyTorch model, for every quantizer kind', async () => {
    const kinds: TrainConfig[] = [
      smallConfig({ kind: 'vq', codebookSize: 16, ema: true, deadCodeThreshold: 1, reseed: 'largest-error' }),
      smallConfig({ kind: 'vq', codebookSize: 16 }),
      smallConfig({ kind: 'fsq', levels: [5, 5, 3] }, { latentDim: 3 }),
      smallConfig({ kind: 'lfq' }),
      smallConfig({ kind: 'bsq' }),
      smallConfig({ kind: 'rvq', codebookSize: 8, depth: 2, ema: true }),
      smallConfig({ kind: 'gvq', codebookSize: 8, depth: 2 }),
    ].map((c) => ({ ...c, batchSize: 4, learningRate: 3e-3 }));
    const x = frames(77);
    const runs: Array<{ kind: string; ckpt: string }> = [];
    for (const [i, config] of kinds.entries()) {
      const kit = await makeKit(`kind-${i}-${config.quantizer.kind}`, config, 30 + i);
      // One process without torchrun: train.py runs without torch.distributed too.
      const r = launch(kit, 0, ['--steps', '3', '--out', path.join(kit, 'run'), '--checkpoint-every', '3']);
      expect(r.status, r.out).toBe(0);
      const ckpt = path.join(kit, 'run/checkpoints/step-000003');
      await fs.writeFile(path.join(ckpt, 'x.npy'), encodeNpy(x, [...FRAMES]));
      runs.push({ kind: config.quantizer.kind, ckpt });
    }
    runPython(
      String.raw`
import sys, numpy as np, torch
sys.path.insert(0, sys.argv[1])
from tokenscope_tokenizer import load_tokenscope
for d in sys.argv[2:]:
    m = load_tokenscope(d)
    np.save(d + '/idx_torch.npy', m.encode(torch.from_numpy(np.load(d + '/x.npy'))).numpy().astype(np.int32))
`,
      [pythonModuleDir, ...runs.map((r) => r.ckpt)],
    );
    for (const run of runs) {
      const imp = await importFromPyTorch(run.ckpt);
      const tok = new Tokenizer(imp.config, CONTINUOUS, createQuantizer(imp.config.quantizer, imp.config.model.latentDim, imp.config.seed));
      try {
        tok.loadStateDict(imp.stateDict);
        const xt = tf.tensor4d(x, FRAMES);
        const enc = tok.encode(xt);
        const ours = Array.from((await enc.indices.data()) as Int32Array);
        tf.dispose([xt, enc.indices, enc.quantError]);
        const theirs = Array.from(toInt32(await readNpy(path.join(run.ckpt, 'idx_torch.npy'))));
        expect(ours, run.kind).toEqual(theirs);
        expect(new Set(ours).size, `${run.kind}: more than one id`).toBeGreaterThan(1);
      } finally {
        disposeStateDict(imp.stateDict);
        tok.dispose();
      }
    }
  });
});
