import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpy } from '../../data/npy';
import type { TrainConfig } from '../../contract';
import { exportForPyTorch, exportCheckpointFile, importFromPyTorch, writeTokenDataset, disposeStateDict, type ExportableTokenizer } from './export';
import { saveCheckpoint } from './checkpoint';
import type { ExportConfigJson, InputDescription } from './export-config';
import { readSafetensors } from './safetensors';
import { probePython, runPython } from './python-check';
import { pythonModuleDir, randomStateDict, smallConfig, values } from './test-fixtures';
import type { StateDict } from './tensor-io';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-export-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A tokenizer's state as plain tensors (export needs only stateDict(), which hands out fresh tensors). */
function holder(sd: StateDict): ExportableTokenizer {
  return { stateDict: () => Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.clone()])) };
}

const vq = smallConfig({ kind: 'vq', codebookSize: 16, ema: true, emaDecay: 0.95, beta: 0.25 });
const classesInput: InputDescription = {
  height: 16,
  width: 16,
  channelNames: ['free', 'road', 'car'],
  encoding: {
    kind: 'classes',
    numClasses: 3,
    groups: 1,
    freeClass: 0,
    palette: [
      { id: 0, name: 'free', rgb: [0, 0, 0] },
      { id: 1, name: 'road', rgb: [128, 64, 128] },
      { id: 2, name: 'car', rgb: [0, 0, 142] },
    ],
  },
};

async function sha(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

describe('export for PyTorch', () => {
  it('writes model.safetensors (PyTorch names), config.json (everything to rebuild) and codebook.npy [K, D]', async () => {
    const sd = randomStateDict(vq);
    const out = path.join(dir, 'vq');
    const before = tf.memory().numTensors;
    const res = await exportForPyTorch(holder(sd), vq, out, classesInput);
    expect(tf.memory().numTensors).toBe(before);
    expect(res.files.map((f) => path.basename(f))).toEqual(['model.safetensors', 'codebook.npy', 'config.json']);

    const weights = await readSafetensors(path.join(out, 'model.safetensors'));
    expect(Object.keys(weights.tensors).sort()).toEqual(Object.keys(sd).sort());
    expect(weights.tensors['encoder.net.0.weight']!.shape).toEqual([8, 3, 4, 4]);
    expect(weights.tensors['decoder.net.0.weight']!.shape).toEqual([4, 8, 4, 4]);
    expect(weights.tensors['quantizer.cluster_size']!.shape).toEqual([16]);
    expect(Array.from(weights.tensors['quantizer.embed_avg']!.data as Float32Array)).toEqual(await values(sd['quantizer.embed_avg']!));

    const cfg = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8')) as ExportConfigJson;
    expect(cfg.format).toBe('tokenscope-tokenizer');
    expect(cfg.model).toMatchObject({ in_channels: 3, out_channels: 3, hidden: 8, latent_dim: 4, stages: 2, output: 'class_logits' });
    expect(cfg.model.encoder[0]).toEqual({ type: 'conv2d', in: 3, out: 8, kernel: 4, stride: 2, padding: 1 });
    expect(cfg.model.decoder.at(-1)).toEqual({ type: 'conv_transpose2d', in: 8, out: 3, kernel: 3, stride: 1, padding: 1 });
    expect(cfg.quantizer).toMatchObject({ kind: 'vq', dim: 4, codebook_size: 16, ema: true, ema_decay: 0.95, beta: 0.25 });
    expect(cfg.input!.channel_names).toEqual(['free', 'road', 'car']);
    expect(cfg.input!.encoding).toEqual(classesInput.encoding);
    expect(cfg.token_grid).toEqual([4, 4]);
    expect(cfg.bits_per_token).toBe(4);
    expect(cfg.codebook).toBe('codebook.npy');

    const cb = await readNpy(path.join(out, 'codebook.npy'));
    expect(cb.dtype).toBe('float32');
    expect(cb.shape).toEqual([16, 4]);
    expect(Array.from(cb.data as Float32Array)).toEqual(await values(sd['quantizer.embedding.weight']!));
    disposeStateDict(sd);
  });

  it('residual VQ: codebook.npy is [depth, K, D]; FSQ has no codebook.npy and states its index order', async () => {
    const rvq = smallConfig({ kind: 'rvq', codebookSize: 8, depth: 3 });
    const sd = randomStateDict(rvq);
    const out = path.join(dir, 'rvq');
    await exportForPyTorch(holder(sd), rvq, out);
    const cb = await readNpy(path.join(out, 'codebook.npy'));
    expect(cb.shape).toEqual([3, 8, 4]);
    expect(Array.from((cb.data as Float32Array).subarray(64, 96))).toEqual(await values(sd['quantizer.layers.2.embedding.weight']!));
    disposeStateDict(sd);

    const fsq = smallConfig({ kind: 'fsq', levels: [8, 5, 5, 5] });
    const fsd = randomStateDict(fsq);
    const fout = path.join(dir, 'fsq');
    const res = await exportForPyTorch(holder(fsd), fsq, fout);
    expect(res.files.map((f) => path.basename(f))).toEqual(['model.safetensors', 'config.json']);
    expect(res.config.quantizer).toMatchObject({ kind: 'fsq', dim: 4, codebook_size: 1000, levels: [8, 5, 5, 5] });
    expect(res.config.quantizer.index_order).toMatch(/dimension 0 least significant/);
    expect(res.config.token_grid).toBeNull();
    disposeStateDict(fsd);
  });

  it('a failed export leaves the earlier export intact', async () => {
    const sd = randomStateDict(vq);
    const out = path.join(dir, 'keep');
    await exportForPyTorch(holder(sd), vq, out, classesInput);
    const names = ['model.safetensors', 'codebook.npy', 'config.json'];
    const before = await Promise.all(names.map((n) => sha(path.join(out, n))));
    const wrong: TrainConfig = { ...vq, model: { ...vq.model, hidden: 16 } };
    await expect(exportForPyTorch(holder(sd), wrong, out)).rejects.toThrow(/export: the tokenizer does not match its config: encoder\.net\.0\.weight is \[8, 3, 4, 4\] but the config needs \[16, 3, 4, 4\]/);
    const noCodebook = { ...sd };
    delete noCodebook['quantizer.embedding.weight'];
    await expect(exportForPyTorch(holder(noCodebook), vq, out)).rejects.toThrow(/lacks quantizer\.embedding\.weight/);
    expect(await Promise.all(names.map((n) => sha(path.join(out, n))))).toEqual(before);
    expect((await fs.readdir(out)).sort()).toEqual([...names].sort());
    disposeStateDict(sd);
  });

  it('import reads back the same TrainConfig, input description and state dict', async () => {
    const sd = randomStateDict(vq);
    const out = path.join(dir, 'roundtrip');
    await exportForPyTorch(holder(sd), vq, out, classesInput);
    const imp = await importFromPyTorch(out);
    expect(imp.config).toEqual(vq);
    expect(imp.input).toEqual(classesInput);
    expect(imp.outChannels).toBe(3);
    for (const [k, t] of Object.entries(sd)) expect(await values(imp.stateDict[k]!), k).toEqual(await values(t));
    disposeStateDict(imp.stateDict);
    disposeStateDict(sd);
  });

  it('exports a native checkpoint file directly, with the input it was trained on', async () => {
    const sd = randomStateDict(vq);
    const ckpt = path.join(dir, 'run.ckpt');
    await saveCheckpoint(ckpt, { config: vq, step: 4, weights: sd, optimizer: null, metrics: [], input: classesInput });
    const before = tf.memory().numTensors;
    const res = await exportCheckpointFile(ckpt, path.join(dir, 'from-ckpt'));
    expect(tf.memory().numTensors).toBe(before);
    expect(res.config.input!.channel_names).toEqual(classesInput.channelNames);
    expect(res.config.model.output).toBe('class_logits');
    const imp = await importFromPyTorch(path.join(dir, 'from-ckpt'));
    for (const [k, t] of Object.entries(sd)) expect(await values(imp.stateDict[k]!), k).toEqual(await values(t));
    disposeStateDict(imp.stateDict);
    disposeStateDict(sd);
    await expect(exportCheckpointFile(path.join(dir, 'nope.ckpt'), path.join(dir, 'x'))).rejects.toThrow(/nope\.ckpt: no such file/);
  });

  it('import refuses a folder whose weights or config are wrong, naming the file', async () => {
    await expect(importFromPyTorch(path.join(dir, 'nowhere'))).rejects.toThrow(/nowhere\/config\.json: cannot read \(no such file/);
    const out = path.join(dir, 'bad');
    await fs.mkdir(out, { recursive: true });
    await fs.writeFile(path.join(out, 'config.json'), '{"format": "tokenscope-tokenizer", "version": 1, "model": {"in_channels": 3}}');
    await expect(importFromPyTorch(out)).rejects.toThrow(/bad\/config\.json: model\.out_channels must be a positive integer/);
    await fs.writeFile(path.join(out, 'config.json'), '{"format": "something-else"}');
    await expect(importFromPyTorch(out)).rejects.toThrow(/not a TokenScope export/);
    // Weights for hidden 8 under a config that says 16.
    const sd = randomStateDict(vq);
    await exportForPyTorch(holder(sd), vq, out);
    disposeStateDict(sd);
    const cfg = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8')) as ExportConfigJson;
    cfg.model.hidden = 16;
    delete (cfg.model as Partial<ExportConfigJson['model']>).encoder;
    delete (cfg.model as Partial<ExportConfigJson['model']>).decoder;
    await fs.writeFile(path.join(out, 'config.json'), JSON.stringify(cfg));
    await expect(importFromPyTorch(out)).rejects.toThrow(/model\.safetensors: does not match .*config\.json: encoder\.net\.0\.weight is \[8, 3, 4, 4\] but the config needs \[16, 3, 4, 4\]/);
  });
});

describe('token datasets', () => {
  it('writes int32 .npy [T, h, w] and [T, h, w, depth]', async () => {
    const t3 = Int32Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 7) % 16);
    const f3 = path.join(dir, 'tokens.npy');
    await writeTokenDataset(f3, t3, [2, 3, 4]);
    const a = await readNpy(f3);
    expect(a.dtype).toBe('int32');
    expect(a.shape).toEqual([2, 3, 4]);
    expect(Array.from(a.data as Int32Array)).toEqual(Array.from(t3));
    const t4 = Int32Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i);
    await writeTokenDataset(f3, t4, [2, 2, 2, 3]);
    expect((await readNpy(f3)).shape).toEqual([2, 2, 2, 3]);
  });

  it('refuses a shape that does not fit the ids, and negative ids', async () => {
    const f = path.join(dir, 'bad-tokens.npy');
    await expect(writeTokenDataset(f, new Int32Array(5), [5])).rejects.toThrow(/bad-tokens\.npy: token dataset shape must be \[T, h, w\]/);
    await expect(writeTokenDataset(f, new Int32Array(5), [1, 2, 3])).rejects.toThrow(/holds 6 ids but 5 were given/);
    await expect(writeTokenDataset(f, Int32Array.from([0, -1]), [1, 1, 2])).rejects.toThrow(/token id -1 at position 1 is negative/);
    await expect(fs.stat(f)).rejects.toThrow(/ENOENT/);
  });
});

const torch = probePython(['torch', 'numpy']);
describe.skipIf(!torch.ok)(`the PyTorch module opens exports, and TokenScope opens its saves${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, () => {
  const kinds: TrainConfig[] = [
    vq,
    smallConfig({ kind: 'vq', codebookSize: 16, cosine: true }),
    smallConfig({ kind: 'fsq', levels: [8, 5, 5, 5] }),
    smallConfig({ kind: 'lfq' }),
    smallConfig({ kind: 'bsq' }),
    smallConfig({ kind: 'rvq', codebookSize: 8, depth: 3 }),
    smallConfig({ kind: 'gvq', codebookSize: 8, depth: 2 }),
  ];

  it('load_tokenscope(strict) takes every quantizer kind, with the same values', async () => {
    const dirs: string[] = [];
    const sums: Record<string, Record<string, number>> = {};
    for (const [i, config] of kinds.entries()) {
      const sd = randomStateDict(config, 10 + i);
      const out = path.join(dir, `py-${i}-${config.quantizer.kind}`);
      await exportForPyTorch(holder(sd), config, out);
      sums[out] = {};
      for (const [k, t] of Object.entries(sd)) sums[out][k] = (await values(t)).reduce((a, b) => a + b, 0);
      disposeStateDict(sd);
      dirs.push(out);
    }
    const script = String.raw`
import json, sys
sys.path.insert(0, sys.argv[1])
from tokenscope_tokenizer import load_tokenscope
import torch
out = {}
for d in sys.argv[2:]:
    m = load_tokenscope(d)
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    idx = m.encode(x)
    y = m.decode_indices(idx)
    out[d] = {'sums': {k: float(v.double().sum()) for k, v in m.state_dict().items()}, 'idx': list(idx.shape), 'y': list(y.shape)}
print(json.dumps(out))
`;
    const got = JSON.parse(runPython(script, [pythonModuleDir, ...dirs])) as Record<string, { sums: Record<string, number>; idx: number[]; y: number[] }>;
    for (const [i, d] of dirs.entries()) {
      const depth = kinds[i]!.quantizer.kind === 'rvq' ? [3] : kinds[i]!.quantizer.kind === 'gvq' ? [2] : [];
      expect(got[d]!.idx, d).toEqual([2, 4, 4, ...depth]);
      expect(got[d]!.y, d).toEqual([2, 3, 16, 16]);
      expect(Object.keys(got[d]!.sums).sort(), d).toEqual(Object.keys(sums[d]!).sort());
      for (const [k, s] of Object.entries(sums[d]!)) expect(got[d]!.sums[k], `${d} ${k}`).toBeCloseTo(s, 3);
    }
  });

  it('a tokenizer saved by save_tokenscope imports into TokenScope (config and weights)', async () => {
    const out = path.join(dir, 'from-torch');
    const script = String.raw`
import json, sys
sys.path.insert(0, sys.argv[1])
from tokenscope_tokenizer import TokenScopeTokenizer, make_config, save_tokenscope
import torch
torch.manual_seed(0)
cfg = make_config(3, 8, 4, 2, {'kind': 'rvq', 'codebook_size': 8, 'depth': 2}, 16, 16, channel_names=['r', 'g', 'b'])
m = TokenScopeTokenizer(cfg)
save_tokenscope(m, sys.argv[2])
print(json.dumps({k: [list(v.shape), float(v.double().sum())] for k, v in m.state_dict().items()}))
`;
    const expected = JSON.parse(runPython(script, [pythonModuleDir, out])) as Record<string, [number[], number]>;
    const imp = await importFromPyTorch(out);
    expect(imp.config.model).toEqual({ inChannels: 3, hidden: 8, latentDim: 4, stages: 2 });
    expect(imp.config.quantizer).toEqual({ kind: 'rvq', codebookSize: 8, depth: 2 });
    expect(imp.input!.channelNames).toEqual(['r', 'g', 'b']);
    expect(Object.keys(imp.stateDict).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, [shape, sum]] of Object.entries(expected)) {
      expect(imp.stateDict[k]!.shape, k).toEqual(shape);
      expect((await values(imp.stateDict[k]!)).reduce((a, b) => a + b, 0), k).toBeCloseTo(sum, 3);
    }
    disposeStateDict(imp.stateDict);
  });
});
