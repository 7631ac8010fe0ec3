import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encodeNpy } from '../../data/npy';
import { initBackend } from '../backend';
import { exportForPyTorch } from '../checkpoint/export';
import { probePython, runPython } from '../checkpoint/python-check';
import { repoRoot } from '../quantizers/test-backend';
import { Tokenizer } from '../tokenizer';
import type { TrainConfig } from '../../contract';
import { splitLevels } from './hier-levels';
import type { HierarchicalNets } from './hier-nets';
import type { HierarchicalQuantizer } from './hier-quantizer';

/**
 * The PyTorch twin (resources/pytorch/tokenscope_hierarchical.py) against the tfjs model on
 * continuous frames with normalisation statistics: both grids' ids, the top latent and the
 * decoded frames. Random weights and frames give many distinct codes, so agreement means
 * something (a trained tiny model on the procedural scene may use one code).
 */
const torch = probePython(['torch', 'numpy']);
const B = 3;
const C = 3;
const H = 32;
const W = 24;
const cfg: TrainConfig = {
  model: { inChannels: C, hidden: 12, latentDim: 6, stages: 2, arch: 'hierarchical' },
  quantizer: { kind: 'vq', codebookSize: 32, ema: true },
  normalization: { mean: [0.5, -1, 2], std: [0.5, 2, 1.5] },
  learningRate: 1e-3,
  steps: 1,
  batchSize: 1,
  crop: 0,
  seed: 11,
  checkpointEvery: 0,
};

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-hier-twin-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TWIN = String.raw`
import json, sys, numpy as np, torch
sys.path.insert(0, sys.argv[1])
from tokenscope_hierarchical import load_hierarchical
m = load_hierarchical(sys.argv[2])
x = torch.from_numpy(np.load(sys.argv[3]))
with torch.no_grad():
    id_t, id_b = m.encode(x)
    y = m.decode_indices(id_t, id_b)
np.save(sys.argv[4] + '/top.npy', id_t.numpy().astype(np.int32))
np.save(sys.argv[4] + '/bottom.npy', id_b.numpy().astype(np.int32))
np.save(sys.argv[4] + '/decoded.npy', y.numpy().astype(np.float32))
`;

describe.skipIf(!torch.ok)(`hierarchical tokenizer vs its PyTorch twin${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, () => {
  it('gives the same top and bottom ids and the same decoded frames', async () => {
    const { readNpy } = await import('../../data/npy');
    const tok = new Tokenizer(cfg, { kind: 'continuous' });
    const x = tf.randomNormal([B, C, H, W], 0, 2, 'float32', 4) as tf.Tensor4D;
    // Codebooks drawn from the latents themselves (what k-means init does), so that many codes are in use at both levels.
    const nets = tok.nets as HierarchicalNets;
    const q = tok.quantizer as HierarchicalQuantizer;
    const D = cfg.model.latentDim;
    tf.tidy(() => {
      const zt = tf.reshape(nets.levels(tok.toNhwc(x), false).zt, [-1, D]);
      q.top.loadState({ 'embedding.weight': tf.slice(zt, [0, 0], [32, D]) });
      const zb = tf.reshape(nets.levels(tok.toNhwc(x), false).zb, [-1, D]);
      q.bottom.loadState({ 'embedding.weight': tf.gather(zb, tf.range(0, 128, 4, 'int32')) });
    });
    const out = path.join(dir, 'export');
    await exportForPyTorch(tok, cfg, out, { height: H, width: W, channelNames: ['a', 'b', 'c'], encoding: { kind: 'continuous' } });
    const xFile = path.join(dir, 'x.npy');
    await writeFile(xFile, encodeNpy((await x.data()) as Float32Array, [B, C, H, W]));
    runPython(TWIN, [path.join(repoRoot, 'resources/pytorch'), out, xFile, dir]);

    const enc = tok.encode(x);
    const ours = splitLevels((await enc.indices.data()) as Int32Array, B, H / 4, W / 4);
    const top = await readNpy(path.join(dir, 'top.npy'));
    const bottom = await readNpy(path.join(dir, 'bottom.npy'));
    expect(top.shape).toEqual([B, H / 8, W / 8]);
    expect(bottom.shape).toEqual([B, H / 4, W / 4]);
    const same = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).filter((v, i) => v === b[i]).length;
    const topSame = same(top.data as Int32Array, ours.top.ids);
    const bottomSame = same(bottom.data as Int32Array, ours.bottom.ids);
    const distinct = (a: ArrayLike<number>) => new Set(Array.from(a)).size;
    console.log(
      `hierarchical twin: top ${topSame}/${ours.top.ids.length} equal (${distinct(ours.top.ids)} distinct), ` +
        `bottom ${bottomSame}/${ours.bottom.ids.length} equal (${distinct(ours.bottom.ids)} distinct)`,
    );
    expect(distinct(ours.top.ids)).toBeGreaterThan(3);
    expect(distinct(ours.bottom.ids)).toBeGreaterThan(3);
    expect(topSame).toBe(ours.top.ids.length);
    expect(bottomSame).toBe(ours.bottom.ids.length);

    const decoded = tok.decodeIndices(enc.indices);
    const y = (await decoded.data()) as Float32Array;
    const py = (await readNpy(path.join(dir, 'decoded.npy'))).data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < y.length; i++) maxDiff = Math.max(maxDiff, Math.abs(y[i]! - py[i]!));
    console.log(`decoded: largest difference ${maxDiff.toExponential(2)}`);
    expect(py.length).toBe(y.length);
    expect(maxDiff).toBeLessThan(1e-4);
    tf.dispose([x, enc.indices, enc.quantError, decoded]);
    tok.dispose();
  }, 120_000);
});
