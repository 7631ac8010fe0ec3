import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { createProceduralSequence } from '../../data/procedural-scene';
import type { TrainConfig } from '../../contract';
import { probePython, runPython } from '../checkpoint/python-check';
import { exportForPyTorch, importFromPyTorch } from '../checkpoint/export';
import { repoRoot } from '../quantizers/test-backend';
import type { TiTokNets } from './titok-nets';
import { buildImportedTokenizer } from '../checkpoint/architecture-registry';
import { Rng } from '../../util/rng';

/**
 * The TiTok export against its PyTorch twin (resources/pytorch/titok_tokenizer.py, loaded with
 * strict load_state_dict): the same frames give the same N token ids, the same per-token
 * attention over the grid and the same decoded frames; the export imports back with the same ids.
 */
const probe = probePython(['torch', 'numpy']);
const seq = createProceduralSequence({ seed: 4, frames: 3, size: 32 });

const SCRIPT = String.raw`
import json, sys, numpy as np, torch
sys.path.insert(0, sys.argv[2])
from titok_tokenizer import load_titok
d = sys.argv[1]
model = load_titok(d + '/export')
meta = json.load(open(d + '/x.json'))
x = torch.from_numpy(np.fromfile(d + '/x.bin', dtype=np.float32).reshape(meta['shape']))
with torch.no_grad():
    ids = model.encode(x)
    attn = model.attention(x)
    out = model.decode_indices(ids)
np.ascontiguousarray(attn.numpy(), dtype=np.float32).tofile(d + '/attn.bin')
np.ascontiguousarray(out.numpy(), dtype=np.float32).tofile(d + '/out.bin')
print(json.dumps({'ids': ids.tolist(), 'shape': list(ids.shape)}))
`;

function cfg(quantizer: TrainConfig['quantizer']): TrainConfig {
  return {
    model: { inChannels: seq.channels, hidden: 16, latentDim: 4, stages: 2, arch: 'titok', titok: { tokens: 6, gridHeight: 8, gridWidth: 8, layers: 2, heads: 4 } },
    quantizer,
    learningRate: 1e-3,
    steps: 1,
    batchSize: 2,
    crop: 0,
    seed: 11,
    checkpointEvery: 0,
  };
}

const f32 = (file: string) => new Float32Array(new Uint8Array(readFileSync(file)).buffer);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe.skipIf(!probe.ok)(`TiTok export matches its PyTorch twin (${probe.ok ? 'torch found' : `skipped: ${probe.reason}`})`, () => {
  let dir = '';
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const q of [{ kind: 'vq', codebookSize: 32 }, { kind: 'fsq', levels: [5, 4, 4, 3] }] as TrainConfig['quantizer'][]) {
    it(`${q.kind}: token ids [B, N], attention and decoded frames agree`, async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'tokenscope-titok-'));
      const c = cfg(q);
      const tok = new Tokenizer(c, seq.encoding);
      // A codebook drawn from the latents themselves, so nearest codes are well separated.
      const rng = new Rng(5);
      const x = tf.tensor4d(Float32Array.from({ length: 2 * seq.channels * 32 * 32 }, () => rng.range(0, 1)), [2, seq.channels, 32, 32]);
      if (q.kind === 'vq') {
        const z = await tf.tidy(() => tok.latents(tok.toNhwc(x))).data();
        const codes = tf.tensor2d(Float32Array.from({ length: 32 * 4 }, (_, i) => z[(i * 5) % z.length]! + 0.01 * Math.sin(i)), [32, 4]);
        tok.quantizer.loadState({ 'embedding.weight': codes });
        codes.dispose();
      }
      await exportForPyTorch(tok, c, path.join(dir, 'export'));
      const data = await x.data();
      writeFileSync(path.join(dir, 'x.bin'), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      writeFileSync(path.join(dir, 'x.json'), JSON.stringify({ shape: x.shape }));
      const torch = JSON.parse(runPython(SCRIPT, [dir, path.join(repoRoot, 'resources/pytorch')]).trim()) as { ids: number[][]; shape: number[] };
      const enc = tok.encode(x);
      expect(enc.indices.shape).toEqual([2, 1, 6]);
      expect(torch.shape).toEqual([2, 6]);
      const ids = Array.from(await enc.indices.data());
      const agree = ids.filter((v, i) => v === torch.ids.flat()[i]).length;
      const attn = tf.tidy(() => (tok.nets as TiTokNets).encodeWithAttention(tok.toNhwc(x), false).attention);
      const out = tok.decodeIndices(enc.indices);
      const attnDiff = maxDiff(await attn.data(), f32(path.join(dir, 'attn.bin')));
      const outDiff = maxDiff(await out.data(), f32(path.join(dir, 'out.bin')));
      console.log(`TiTok ${q.kind} vs PyTorch: ${agree}/${ids.length} ids equal, attention max diff ${attnDiff.toExponential(2)}, decoded max diff ${outDiff.toExponential(2)}`);
      expect(ids).toEqual(torch.ids.flat());
      expect(attnDiff).toBeLessThan(1e-5);
      expect(outDiff).toBeLessThan(1e-4);
      // And back: the export imports as a titok tokenizer giving the same ids.
      const imported = await importFromPyTorch(path.join(dir, 'export'));
      expect(imported.config.model.arch).toBe('titok');
      const back2 = buildImportedTokenizer(imported, seq.encoding, 'export');
      tf.dispose(Object.values(imported.stateDict));
      const back = back2.encode(x);
      expect(Array.from(await back.indices.data())).toEqual(ids);
      tf.dispose([x, enc.indices, enc.quantError, attn, out, back.indices, back.quantError]);
      back2.dispose();
      tok.dispose();
    });
  }
});
