/**
 * The composite quantizers (residual FSQ, residual LFQ, multi-head VQ) exported by TokenScope and
 * loaded by resources/pytorch/tokenscope_tokenizer.py (strict load_state_dict) give the same token
 * ids `[B, h, w, depth]` and decode within 1e-4 (Debian's python3 + torch; skipped without them).
 */
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
import { exportForPyTorch, disposeStateDict } from './export';
import { probePython, runPython } from './python-check';
import { pythonModuleDir, randomStateDict, smallConfig } from './test-fixtures';

const py = probePython(['torch', 'numpy']);
const CONTINUOUS = { kind: 'continuous' } as const;

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-composite-torch-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const KINDS: TrainConfig[] = [
  smallConfig({ kind: 'rfsq', levels: [8, 5, 5, 5], depth: 3 }),
  smallConfig({ kind: 'rlfq', depth: 3 }),
  smallConfig({ kind: 'mhvq', codebookSize: 8, depth: 2, compose: 'concat', projection: 'identity' }),
  smallConfig({ kind: 'mhvq', codebookSize: 8, depth: 2, compose: 'concat', projection: 'learned' }),
  smallConfig({ kind: 'mhvq', codebookSize: 8, depth: 3, compose: 'sum', projection: 'learned', ema: true }),
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

function label(c: TrainConfig): string {
  const q = c.quantizer;
  return `${q.kind}${q.compose ? ` ${q.compose}/${q.projection}` : ''} depth ${q.depth}`;
}

describe.skipIf(!py.ok)(`composite quantizers: TokenScope → PyTorch twin, same ids${py.ok ? '' : ` (skipped: ${py.reason})`}`, () => {
  it('every composite kind gives the same [B, h, w, depth] ids in PyTorch and decodes within 1e-4', async () => {
    const cases: Array<{ config: TrainConfig; out: string; idx: Int32Array; y: Float32Array; shape: number[] }> = [];
    for (const [i, config] of KINDS.entries()) {
      const tok = new Tokenizer(config, CONTINUOUS, createQuantizer(config.quantizer, config.model.latentDim, config.seed));
      const sd = randomStateDict(config, 40 + i);
      tok.loadStateDict(sd);
      disposeStateDict(sd);
      const out = path.join(dir, `export-${i}-${config.quantizer.kind}`);
      await exportForPyTorch(tok, config, out, { height: 16, width: 16, channelNames: ['a', 'b', 'c'], encoding: CONTINUOUS });
      const shape: [number, number, number, number] = [2, 3, 16, 16];
      const rng = new Rng(200 + i);
      const x = Float32Array.from({ length: 2 * 3 * 16 * 16 }, () => rng.normal());
      await writeNpy(path.join(out, 'x.npy'), x, shape);
      const xt = tf.tensor4d(x, shape);
      const enc = tok.encode(xt);
      const y = tok.decodeIndices(enc.indices);
      cases.push({ config, out, idx: (await enc.indices.data()) as Int32Array, y: (await y.data()) as Float32Array, shape: enc.indices.shape });
      tf.dispose([xt, enc.indices, enc.quantError, y]);
      tok.dispose();
    }
    runPython(ENCODE_DECODE, [pythonModuleDir, ...cases.map((c) => c.out)]);
    for (const c of cases) {
      const name = label(c.config);
      expect(c.shape, name).toEqual([2, 4, 4, c.config.quantizer.depth]);
      const idx = await readNpy(path.join(c.out, 'idx_torch.npy'));
      expect(idx.shape, name).toEqual(c.shape);
      expect(Array.from(toInt32(idx)), name).toEqual(Array.from(c.idx));
      // Every level / head uses more than one id: the comparison means something.
      for (let k = 0; k < c.config.quantizer.depth!; k++) {
        const col = new Set(Array.from(c.idx).filter((_, j) => j % c.config.quantizer.depth! === k));
        expect(col.size, `${name} level ${k}`).toBeGreaterThan(1);
      }
      const y = await readNpy(path.join(c.out, 'y_torch.npy'));
      let diff = 0;
      (y.data as Float32Array).forEach((v, j) => (diff = Math.max(diff, Math.abs(v - c.y[j]!))));
      console.info(`export → PyTorch ${name}: ids equal, max |y_torch − y_tokenscope| = ${diff.toExponential(2)}`);
      expect(diff, name).toBeLessThan(1e-4);
    }
  });
});
