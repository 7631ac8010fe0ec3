import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from './backend';
import { Tokenizer } from './tokenizer';
import { VectorQuantizer } from './quantizers/vq';
import type { TrainConfig } from '../contract';
import { Rng } from '../util/rng';

/**
 * Cross-check with PyTorch: a tiny tokenizer's exported state dict is loaded into the equivalent
 * PyTorch module (Conv2d / ConvTranspose2d in nn.Sequential, nearest-code VQ) by Debian's
 * /usr/bin/python3, which runs the same frames; latents, token ids and decoded frames must agree.
 * This is what proves the weight layouts (and that transposed convolutions need no kernel flip).
 */
const PY = '/usr/bin/python3';
const hasTorch = existsSync(PY) && spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

const SCRIPT = String.raw`
import json, sys, numpy as np, torch, torch.nn as nn
d = sys.argv[1]
meta = json.load(open(d + '/meta.json'))
def arr(name):
    e = meta['tensors'][name]
    return torch.from_numpy(np.fromfile(d + '/' + name + '.bin', dtype=np.float32 if e['dtype'] == 'float32' else np.int32).reshape(e['shape']))
m = meta['model']
def seq(kind, cin, cout):
    layers, c = [], cin
    conv = nn.Conv2d if kind == 'enc' else nn.ConvTranspose2d
    for _ in range(m['stages']):
        layers += [conv(c, m['hidden'], 4, 2, 1), nn.ReLU()]
        c = m['hidden']
    layers.append(conv(c, cout, 3, 1, 1))
    return nn.Sequential(*layers)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Module(); self.encoder.net = seq('enc', m['inChannels'], m['latentDim'])
        self.decoder = nn.Module(); self.decoder.net = seq('dec', m['latentDim'], m['inChannels'])
net = Net()
sd = {k: arr(k) for k in meta['tensors'] if k.startswith('encoder.') or k.startswith('decoder.')}
net.load_state_dict(sd, strict=True)
x = arr('x')
with torch.no_grad():
    z = net.encoder.net(x)
    emb = arr('quantizer.embedding.weight')
    flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
    dist = (flat * flat).sum(1, keepdim=True) - 2 * flat @ emb.t() + (emb * emb).sum(1)[None]
    idx = dist.argmin(1)
    q = emb[idx].reshape(z.shape[0], z.shape[2], z.shape[3], -1).permute(0, 3, 1, 2)
    out = net.decoder.net(q)
np.ascontiguousarray(z.numpy(), dtype=np.float32).tofile(d + '/z_torch.bin')
np.ascontiguousarray(idx.numpy(), dtype=np.int32).tofile(d + '/idx_torch.bin')
np.ascontiguousarray(out.numpy(), dtype=np.float32).tofile(d + '/out_torch.bin')
print(json.dumps({'z': list(z.shape), 'out': list(out.shape)}))
`;

const cfg = (stages: number): TrainConfig => ({
  model: { inChannels: 5, hidden: 8, latentDim: 4, stages },
  quantizer: { kind: 'vq', codebookSize: 16 },
  learningRate: 1e-3,
  steps: 1,
  batchSize: 2,
  crop: 0,
  seed: 7,
  checkpointEvery: 0,
});

function readF32(file: string): Float32Array {
  return new Float32Array(new Uint8Array(readFileSync(file)).buffer);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.skipIf(!hasTorch)(`tokenizer matches PyTorch (${hasTorch ? 'torch found' : `skipped: ${PY} cannot import torch`})`, () => {
  let dir = '';
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
    dir = mkdtempSync(path.join(tmpdir(), 'tokenscope-torch-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const stages of [2, 3]) {
    it(`stages=${stages}: latents, token ids and decoded frames agree`, async () => {
      const c = cfg(stages);
      const quantizer = new VectorQuantizer({ dim: 4, codebookSize: 16, seed: 3 });
      const tok = new Tokenizer(c, { kind: 'continuous' }, quantizer);
      // A codebook spread like the latents so that nearest codes are well separated.
      const rng = new Rng(11);
      const H = 8 * 2 ** (stages - 1);
      const xs = new Float32Array(2 * 5 * H * H).map(() => rng.range(-1, 1));
      const x = tf.tensor4d(xs, [2, 5, H, H]);
      const zNhwc = tf.tidy(() => tok.latents(tok.toNhwc(x)));
      const zData = await zNhwc.data();
      const codes = new Float32Array(16 * 4).map((_, i) => zData[(i * 7) % zData.length]! + rng.range(-0.05, 0.05));
      const sdIn = { 'quantizer.embedding.weight': tf.tensor2d(codes, [16, 4]) };
      tok.quantizer.loadState({ 'embedding.weight': sdIn['quantizer.embedding.weight'] });

      const sd = tok.stateDict();
      const meta: { model: TrainConfig['model']; tensors: Record<string, { shape: number[]; dtype: string }> } = {
        model: c.model,
        tensors: {},
      };
      for (const [k, t] of Object.entries({ ...sd, x })) {
        meta.tensors[k] = { shape: t.shape, dtype: t.dtype };
        const data = (await t.data()) as Float32Array;
        writeFileSync(path.join(dir, `${k}.bin`), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      }
      writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
      const r = spawnSync(PY, ['-c', SCRIPT, dir], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);

      const enc = tok.encode(x);
      const out = tok.decodeIndices(enc.indices);
      const zNchw = tf.transpose(zNhwc, [0, 3, 1, 2]);
      const zTorch = readF32(path.join(dir, 'z_torch.bin'));
      const idxTorch = new Int32Array(new Uint8Array(readFileSync(path.join(dir, 'idx_torch.bin'))).buffer);
      const outTorch = readF32(path.join(dir, 'out_torch.bin'));
      const zDiff = maxAbsDiff(await zNchw.data(), zTorch);
      const ids = await enc.indices.data();
      const outDiff = maxAbsDiff(await out.data(), outTorch);
      expect(out.shape).toEqual([2, 5, H, H]);
      expect(zTorch.length).toBe(zNchw.size);
      expect(zDiff, `latent max abs diff ${zDiff}`).toBeLessThan(1e-4);
      expect(Array.from(ids)).toEqual(Array.from(idxTorch));
      expect(outDiff, `decoded max abs diff ${outDiff}`).toBeLessThan(1e-4);

      tf.dispose([x, zNhwc, zNchw, enc.indices, enc.quantError, out, sdIn['quantizer.embedding.weight'], ...Object.values(sd)]);
      tok.dispose();
    });
  }
});
