import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { createQuantizer } from '../quantizers/create-quantizer';
import { normLoss, repulsionLoss, varianceHingeLoss, vicregCovarianceLoss, vicregVarianceLoss } from '../quantizers/codebook-objectives';
import type { CodebookObjectives, TrainConfig } from '../../contract';
import { encodeNpy } from '../../data/npy';
import { Rng } from '../../util/rng';
import { disposeStateDict, exportForPyTorch, importFromPyTorch } from './export';
import { readSafetensors } from './safetensors';
import { DEBIAN_PYTHON, probePython } from './python-check';
import { randomStateDict, smallConfig } from './test-fixtures';
import { writeTrainKit } from './train-kit';

/**
 * The PyTorch training kit honours the codebook objectives (resources/pytorch/kit_objectives.py):
 * config.json carries them, the kit's first step reports the codebook-only terms with the values
 * TokenScope computes on the same codebook (within 1e-5), 2 processes under torchrun follow 1
 * process (the orthogonality's used codes are the global batch's), and the kit's checkpoint
 * opens in TokenScope with the objectives in its config.
 */

const py = probePython(['torch', 'torch.distributed', 'numpy']);
const CONTINUOUS = { kind: 'continuous' } as const;
const FRAMES: [number, number, number, number] = [8, 3, 16, 16];
const OBJECTIVES: CodebookObjectives = {
  orthogonal: 0.5,
  orthogonalMaxCodes: 6,
  norm: 0.2,
  normTarget: 0.5,
  repulsion: 0.3,
  repulsionSigma: 0.7,
  varianceHinge: 0.4,
  varianceGamma: 0.6,
  infonce: 0.1,
  infonceTemperature: 0.3,
  vicregVariance: 0.6,
  vicregCovariance: 0.7,
};
const CONFIG: TrainConfig = {
  ...smallConfig({ kind: 'vq', codebookSize: 16, ema: false, objectives: OBJECTIVES }),
  batchSize: 4,
  crop: 8,
  learningRate: 3e-3,
};

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-kit-obj-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function makeKit(name: string, config: TrainConfig, seed: number): Promise<string> {
  const tok = new Tokenizer(config, CONTINUOUS, createQuantizer(config.quantizer, config.model.latentDim, config.seed));
  const sd = randomStateDict(config, seed);
  tok.loadStateDict(sd);
  disposeStateDict(sd);
  // A fresh folder each call: a retried test must not find the failed attempt's kit.
  const kit = await fs.mkdtemp(path.join(dir, `${name}-`));
  const rng = new Rng(seed);
  const frames = Float32Array.from({ length: FRAMES.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const input = { height: 16, width: 16, channelNames: ['a', 'b', 'c'], encoding: CONTINUOUS };
  try {
    await writeTrainKit(
      kit,
      { kind: 'frames', file: 'frames.npy', frames: FRAMES[0], description: 'random test frames' },
      (into) => exportForPyTorch(tok, config, into, input),
      (into) => fs.writeFile(path.join(into, 'frames.npy'), encodeNpy(frames, [...FRAMES])),
    );
  } finally {
    tok.dispose();
  }
  return kit;
}

function launch(kit: string, n: number, args: string[]) {
  const head = n > 0 ? ['-m', 'torch.distributed.run', '--redirects', '1', '--tee', '1', '--standalone', '--nproc_per_node', String(n)] : [];
  const r = spawnSync(DEBIAN_PYTHON, [...head, path.join(kit, 'train.py'), ...args], {
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, OMP_NUM_THREADS: '1', TOKENSCOPE_KIT_DIST_TIMEOUT_S: '60' },
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

interface MetricLine {
  step: number;
  loss: number;
  quantLoss: Record<string, number>;
}

async function metrics(run: string): Promise<MetricLine[]> {
  const text = await fs.readFile(path.join(run, 'metrics.jsonl'), 'utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l) as MetricLine);
}

describe.skipIf(!py.ok)(`training kit with codebook objectives${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  it('config.json carries them; step 1 reports TokenScope’s values; 2 processes follow 1; the checkpoint keeps them', async () => {
    const kit = await makeKit('objectives', CONFIG, 3);
    const cfg = JSON.parse(await fs.readFile(path.join(kit, 'config.json'), 'utf8')) as { quantizer: { codebook_objectives?: Record<string, unknown> } };
    expect(cfg.quantizer.codebook_objectives).toMatchObject({ orthogonal: 0.5, orthogonal_max_codes: 6, vicreg_covariance: 0.7, infonce_temperature: 0.3 });

    const one = launch(kit, 1, ['--steps', '4', '--out', path.join(kit, 'run1'), '--checkpoint-every', '4']);
    expect(one.status, one.out).toBe(0);
    const two = launch(kit, 2, ['--steps', '4', '--out', path.join(kit, 'run2'), '--checkpoint-every', '4']);
    expect(two.status, two.out).toBe(0);
    const a = await metrics(path.join(kit, 'run1'));
    const b = await metrics(path.join(kit, 'run2'));
    for (const k of ['orthogonal', 'norm', 'repulsion', 'varianceHinge', 'infonce', 'vicregVariance', 'vicregCovariance']) {
      expect(a[0]!.quantLoss[k], k).toBeTypeOf('number');
    }

    // The codebook-only terms at step 1 are functions of the exported codebook alone.
    const st = await readSafetensors(path.join(kit, 'model.safetensors'));
    const w = st.tensors['quantizer.embedding.weight']!;
    const cb = tf.tensor2d(new Float32Array(w.data.buffer.slice(w.data.byteOffset, w.data.byteOffset + w.data.byteLength)), [16, 4]);
    const ours: Record<string, tf.Scalar> = {
      norm: normLoss(cb, 0.5),
      repulsion: repulsionLoss(cb, 0.7),
      varianceHinge: varianceHingeLoss(cb, 0.6),
      vicregVariance: vicregVarianceLoss(cb),
      vicregCovariance: vicregCovarianceLoss(cb),
    };
    for (const [k, t] of Object.entries(ours)) {
      const v = (await t.data())[0]!;
      expect(Math.abs(v - a[0]!.quantLoss[k]!), `${k}: ours ${v}, kit ${a[0]!.quantLoss[k]}`).toBeLessThan(1e-5);
      expect(Math.abs(v - b[0]!.quantLoss[k]!), `${k} (2 processes)`).toBeLessThan(1e-5);
    }
    tf.dispose([cb, ...Object.values(ours)]);

    // 2 processes with half the batch each follow 1 process: every loss part at every step.
    expect(new Set(a.map((m) => m.loss.toFixed(6))).size).toBeGreaterThan(2);
    for (let i = 0; i < a.length; i++) {
      for (const [k, v] of Object.entries(a[i]!.quantLoss)) {
        expect(Math.abs(v - b[i]!.quantLoss[k]!), `step ${i + 1} ${k}: ${v} vs ${b[i]!.quantLoss[k]}`).toBeLessThan(1e-5);
      }
    }

    const imp = await importFromPyTorch(path.join(kit, 'run1/checkpoints/step-000004'));
    try {
      expect(imp.config.quantizer.objectives).toEqual(OBJECTIVES);
    } finally {
      disposeStateDict(imp.stateDict);
    }
  });
});
