import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { createQuantizer } from '../quantizers/create-quantizer';
import type { TrainConfig } from '../../contract';
import { readNpy, writeNpy, toInt32 } from '../../data/npy';
import { Rng } from '../../util/rng';
import { exportForPyTorch, importFromPyTorch, disposeStateDict } from './export';
import { probePython, runPython } from './python-check';
import { pythonModuleDir, randomStateDict, smallConfig } from './test-fixtures';

/**
 * The key test of issue 2's "Export and import": a tokenizer exported by TokenScope, loaded by
 * resources/pytorch/tokenscope_tokenizer.py under Debian's python3 + torch, gives the same token
 * ids for the same frames and decodes them to the same frames (within 1e-4); and a tokenizer
 * built and saved in PyTorch opens in TokenScope with the same outputs.
 */

const py = probePython(['torch', 'numpy']);

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-roundtrip-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const CONTINUOUS = { kind: 'continuous' } as const;

function makeTokenizer(config: TrainConfig): Tokenizer {
  return new Tokenizer(config, CONTINUOUS, createQuantizer(config.quantizer, config.model.latentDim, config.seed));
}

function frames(seed: number, shape: [number, number, number, number]): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const KINDS: TrainConfig[] = [
  smallConfig({ kind: 'vq', codebookSize: 16, ema: true }),
  smallConfig({ kind: 'vq', codebookSize: 16, cosine: true }),
  smallConfig({ kind: 'fsq', levels: [8, 5, 5, 5] }),
  smallConfig({ kind: 'lfq' }),
  smallConfig({ kind: 'bsq' }),
  smallConfig({ kind: 'rvq', codebookSize: 8, depth: 3 }),
  smallConfig({ kind: 'gvq', codebookSize: 8, depth: 2 }),
  smallConfig({ kind: 'vq', codebookSize: 32 }, { inChannels: 5, hidden: 6, latentDim: 8, stages: 3 }),
  // Input normalisation: PyTorch must normalise before its encoder and undo it after its decoder.
  { ...smallConfig({ kind: 'vq', codebookSize: 16 }), normalization: { mean: [0.5, -1, 2], std: [2, 0.5, 3] } },
];

const ENCODE_DECODE = String.raw`
import sys, numpy as np, torch
sys.path.insert(0, sys.argv[1])
from tokenscope_tokenizer import load_tokenscope
torch.set_num_threads(1)
for d in sys.argv[2:]:
    m = load_tokenscope(d)
    x = torch.from_numpy(np.load(d + '/x.npy'))
    idx = m.encode(x)
    np.save(d + '/idx_torch.npy', idx.numpy().astype(np.int32))
    np.save(d + '/y_torch.npy', m.decode_indices(idx).numpy().astype(np.float32))
`;

describe.skipIf(!py.ok)(`TokenScope ⇄ PyTorch: same token ids, same reconstructions${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  it('an exported tokenizer gives, in PyTorch, the same indices and decodes within 1e-4, for every quantizer', async () => {
    const cases: Array<{ config: TrainConfig; out: string; idx: Int32Array; y: Float32Array; shape: number[] }> = [];
    for (const [i, config] of KINDS.entries()) {
      const tok = makeTokenizer(config);
      // Random weights with an N(0, 1) codebook so that codes are well spread.
      const sd = randomStateDict(config, 20 + i);
      tok.loadStateDict(sd);
      disposeStateDict(sd);
      // Export, encode and decode leave no tensor behind (the tokenizer's own lifetime is its business).
      const before = tf.memory().numTensors;
      const out = path.join(dir, `export-${i}-${config.quantizer.kind}`);
      await exportForPyTorch(tok, config, out, {
        height: 16,
        width: 16,
        channelNames: Array.from({ length: config.model.inChannels }, (_, c) => `c${c}`),
        encoding: CONTINUOUS,
      });
      const shape: [number, number, number, number] = [2, config.model.inChannels, 16, 16];
      const x = frames(100 + i, shape);
      await writeNpy(path.join(out, 'x.npy'), x, shape);
      const xt = tf.tensor4d(x, shape);
      const enc = tok.encode(xt);
      const y = tok.decodeIndices(enc.indices);
      cases.push({ config, out, idx: (await enc.indices.data()) as Int32Array, y: (await y.data()) as Float32Array, shape: enc.indices.shape });
      tf.dispose([xt, enc.indices, enc.quantError, y]);
      expect(tf.memory().numTensors, config.quantizer.kind).toBe(before);
      tok.dispose();
    }

    runPython(ENCODE_DECODE, [pythonModuleDir, ...cases.map((c) => c.out)]);
    for (const c of cases) {
      const label = `${c.config.quantizer.kind} ${path.basename(c.out)}`;
      const idx = await readNpy(path.join(c.out, 'idx_torch.npy'));
      expect(idx.shape, label).toEqual(c.shape);
      expect(Array.from(toInt32(idx)), label).toEqual(Array.from(c.idx));
      // Not all ids the same: the comparison means something.
      expect(new Set(c.idx).size, label).toBeGreaterThan(1);
      const y = await readNpy(path.join(c.out, 'y_torch.npy'));
      const diff = maxAbsDiff(y.data as Float32Array, c.y);
      console.info(`export → PyTorch ${label}: ids equal, max |y_torch − y_tokenscope| = ${diff.toExponential(2)}`);
      expect(diff, `${label}: max |y_torch − y_tokenscope| = ${diff.toExponential(2)}`).toBeLessThan(1e-4);
    }
  });

  it('a tokenizer built and saved in PyTorch opens in TokenScope with the same indices and outputs', async () => {
    const script = String.raw`
import sys, numpy as np, torch
sys.path.insert(0, sys.argv[1])
from tokenscope_tokenizer import TokenScopeTokenizer, make_config, save_tokenscope
torch.manual_seed(0)
torch.set_num_threads(1)
base = sys.argv[2]
specs = [
    ('vq', dict(kind='vq', codebook_size=16, ema=True), 4),
    ('fsq', dict(kind='fsq', levels=[8, 5, 5, 5]), 4),
    ('rvq', dict(kind='rvq', codebook_size=8, depth=2), 4),
    ('gvq', dict(kind='gvq', codebook_size=8, depth=2), 4),
    ('bsq', dict(kind='bsq'), 4),
]
for name, q, latent in specs:
    d = f'{base}/{name}'
    m = TokenScopeTokenizer(make_config(3, 8, latent, 2, q, 16, 16)).eval()
    with torch.no_grad():  # livelier weights than the default init, so codes spread
        for p in m.encoder.parameters():
            p.mul_(3.0)
    save_tokenscope(m, d)
    x = torch.randn(2, 3, 16, 16)
    idx = m.encode(x)
    np.save(d + '/x.npy', x.numpy())
    np.save(d + '/idx_torch.npy', idx.numpy().astype(np.int32))
    np.save(d + '/y_torch.npy', m.decode_indices(idx).numpy())
    print(d)
`;
    const base = path.join(dir, 'from-torch');
    const dirs = runPython(script, [pythonModuleDir, base]).trim().split('\n');
    expect(dirs).toHaveLength(5);
    for (const d of dirs) {
      const tok0 = tf.memory().numTensors;
      const imp = await importFromPyTorch(d);
      const tok = makeTokenizer(imp.config);
      const made = tf.memory().numTensors - tok0 - Object.keys(imp.stateDict).length;
      tok.loadStateDict(imp.stateDict, d);
      disposeStateDict(imp.stateDict);
      const xa = await readNpy(path.join(d, 'x.npy'));
      const x = tf.tensor4d(xa.data as Float32Array, xa.shape as [number, number, number, number]);
      const enc = tok.encode(x);
      const idxTorch = await readNpy(path.join(d, 'idx_torch.npy'));
      expect(enc.indices.shape, d).toEqual(idxTorch.shape);
      const ours = (await enc.indices.data()) as Int32Array;
      expect(Array.from(ours), d).toEqual(Array.from(toInt32(idxTorch)));
      expect(new Set(ours).size, d).toBeGreaterThan(1);
      const y = tok.decodeIndices(enc.indices);
      const yTorch = await readNpy(path.join(d, 'y_torch.npy'));
      const diff = maxAbsDiff((await y.data()) as Float32Array, yTorch.data as Float32Array);
      console.info(`PyTorch → import ${path.basename(d)}: ids equal, max |y_tokenscope − y_torch| = ${diff.toExponential(2)}`);
      expect(diff, `${d}: max |y_tokenscope − y_torch| = ${diff.toExponential(2)}`).toBeLessThan(1e-4);
      tf.dispose([x, enc.indices, enc.quantError, y]);
      // Import, load, encode and decode hold nothing beyond the tokenizer itself.
      expect(tf.memory().numTensors - tok0, d).toBe(made);
      tok.dispose();
    }
  });
});
