import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { Tokenizer } from '../tokenizer';
import { Trainer } from '../train/trainer';
import { checkpointInfo, loadCheckpoint, disposeSnapshot } from '../checkpoint/checkpoint';
import { resumeTraining, saveTrainingCheckpoint } from '../checkpoint/training-checkpoint';
import type { TrainConfig } from '../../contract';
import { exportForPyTorch, importFromPyTorch, disposeStateDict } from '../checkpoint/export';
import { buildImportedTokenizer } from '../checkpoint/architecture-registry';
import { readFile, writeFile } from 'node:fs/promises';

const cfg: TrainConfig = {
  model: { inChannels: 2, hidden: 8, latentDim: 4, stages: 2, arch: 'hierarchical' },
  quantizer: { kind: 'vq', codebookSize: 8, ema: true },
  learningRate: 3e-3,
  steps: 10,
  batchSize: 2,
  crop: 0,
  seed: 5,
  checkpointEvery: 0,
};

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-hier-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('hierarchical checkpoints', () => {
  it('save the architecture and both codebooks, and reload to the same ids at both levels', async () => {
    const x = tf.randomUniform([2, 2, 16, 16], 0, 1, 'float32', 7) as tf.Tensor4D;
    const tok = new Tokenizer(cfg, { kind: 'continuous' });
    const trainer = new Trainer(tok);
    for (let i = 0; i < 3; i++) await trainer.trainStep(x);
    const file = path.join(dir, 'hier.ckpt');
    await saveTrainingCheckpoint(file, tok, trainer);

    const info = await checkpointInfo(file);
    expect(info.config.model.arch).toBe('hierarchical');
    expect(info.depth).toBe(2);
    expect(info.health?.map((h) => h.size)).toEqual([8, 8]);

    const snap = await loadCheckpoint(file);
    const again = new Tokenizer(snap.config, { kind: 'continuous' });
    disposeSnapshot(snap);
    const trainer2 = new Trainer(again);
    const r = await resumeTraining(file, again, trainer2);
    expect(r.step).toBe(3);
    const [a, b] = [tok.encode(x), again.encode(x)];
    expect(a.indices.shape).toEqual([2, 4, 4, 2]);
    expect(Array.from(await b.indices.data())).toEqual(Array.from(await a.indices.data()));
    // The next step continues the same trajectory (EMA state and Adam moments restored).
    const [m1, m2] = [await trainer.trainStep(x), await trainer2.trainStep(x)];
    expect(m2.loss).toBeCloseTo(m1.loss, 5);
    tf.dispose([x, a.indices, a.quantError, b.indices, b.quantError]);
    trainer.dispose();
    trainer2.dispose();
    tok.dispose();
    again.dispose();
  });

  it('refuses weights that do not fit the hierarchical config, naming the tensor', async () => {
    const tok = new Tokenizer(cfg, { kind: 'continuous' });
    const trainer = new Trainer(tok);
    const wrong = { ...cfg, model: { ...cfg.model, latentDim: 6 } };
    const file = path.join(dir, 'wrong.ckpt');
    await expect(saveTrainingCheckpoint(file, tok, new Trainer(tok, wrong))).rejects.toThrow(/quantize_conv_t\.0\.weight is \[4, 8, 1, 1\] but the config needs \[6, 8, 1, 1\]/);
    trainer.dispose();
    tok.dispose();
  });

  it('exports to a folder that imports back through the registry to the same ids, and refuses a config that disagrees', async () => {
    const tok = new Tokenizer(cfg, { kind: 'continuous' });
    const x = tf.randomUniform([1, 2, 16, 24], 0, 1, 'float32', 3) as tf.Tensor4D;
    const out = path.join(dir, 'export');
    const input = { height: 16, width: 24, channelNames: ['a', 'b'], encoding: { kind: 'continuous' as const } };
    const res = await exportForPyTorch(tok, cfg, out, input);
    expect(res.files.map((f) => path.basename(f))).toEqual(['model.safetensors', 'codebook_top.npy', 'codebook_bottom.npy', 'config.json']);
    const imported = await importFromPyTorch(out);
    expect(imported.architecture).toBe('hierarchical');
    const again = buildImportedTokenizer(imported, { kind: 'continuous' }, out);
    disposeStateDict(imported.stateDict);
    const [a, b] = [tok.encode(x), again.encode(x)];
    expect(Array.from(await b.indices.data())).toEqual(Array.from(await a.indices.data()));
    // A config.json whose sizes disagree with the weights is refused before anything is built.
    const json = JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8'));
    json.train.model.latentDim = 6;
    json.model.embed_dim = 6;
    await writeFile(path.join(out, 'config.json'), JSON.stringify(json));
    await expect(importFromPyTorch(out)).rejects.toThrow(/quantize_conv_t\.0\.weight is \[4, 8, 1, 1\] but the config needs \[6, 8, 1, 1\]/);
    json.train.model.arch = 'reference';
    await writeFile(path.join(out, 'config.json'), JSON.stringify(json));
    await expect(importFromPyTorch(out)).rejects.toThrow(/train\.model\.arch must be "hierarchical"/);
    tf.dispose([x, a.indices, a.quantError, b.indices, b.quantError]);
    tok.dispose();
    again.dispose();
  });
});
