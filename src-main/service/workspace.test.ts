import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { AppStatus, JobProgress, TrainConfig } from '../contract/index';
import { createProceduralSequence } from '../data/procedural-scene';
import { readNpy } from '../data/npy';
import { Tokenizer } from '../engine/tokenizer';
import { saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { createWorkspace } from './workspace';
import type { Workspace } from './workspace';
import { SMALL_CONFIG } from './test-config';

/**
 * The workspace against the real engine: a small tokenizer (18 classes in, 8 hidden, latent 4,
 * 4× down, K = 16) saved with the real checkpoint writer, opened, encoded, decoded, exported.
 */
const FRAMES = 4;
const SIZE = 32;
const CONFIG: TrainConfig = SMALL_CONFIG;

let dir: string;
let ckpt: string;
let ws: Workspace;
const seq = createProceduralSequence({ seed: 7, frames: FRAMES, size: SIZE });

/** Tokens and class maps of frame `i` computed here, straight through the engine, for comparison. */
async function directTokens(i: number): Promise<{ ids: Int32Array; labels: Int32Array }> {
  const tok = new Tokenizer(CONFIG, seq.encoding);
  try {
    const sd = await import('../engine/checkpoint/checkpoint').then((m) => m.loadCheckpoint(ckpt));
    tok.loadStateDict(sd.weights);
    (await import('../engine/checkpoint/checkpoint')).disposeSnapshot(sd);
    const frame = await seq.getFrame(i);
    const x = tf.tensor4d(frame.data, [1, 18, SIZE, SIZE]);
    const r = tok.encode(x);
    const out = tok.decodeIndices(r.indices);
    const labels = tf.tidy(() => tf.argMax(tf.reshape(tf.transpose(out, [0, 2, 3, 1]), [-1, 18]), 1));
    const result = { ids: (await r.indices.data()) as Int32Array, labels: (await labels.data()) as Int32Array };
    tf.dispose([x, r.indices, r.quantError, out, labels]);
    return result;
  } finally {
    tok.dispose();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-ws-'));
  ws = await createWorkspace({ procedural: { frames: FRAMES, size: SIZE }, checkpointDir: dir });
  // A tokenizer with seeded random weights, saved by the engine's own writer.
  const tok = new Tokenizer(CONFIG, seq.encoding);
  const weights = tok.stateDict();
  ckpt = path.join(dir, 'start.ckpt');
  await saveCheckpoint(ckpt, { config: CONFIG, step: 5, weights, optimizer: null, metrics: [] });
  tf.dispose(Object.values(weights));
  tok.dispose();
});

afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('Workspace', () => {
  it('opens the procedural scene by default and reports backend and source in its status', async () => {
    const status = await ws.getStatus();
    expect(status.backend?.name).toBeTruthy();
    expect(status.backend?.reason.length).toBeGreaterThan(3);
    expect(status.source).toMatchObject({ kind: 'procedural', length: FRAMES, channels: 18, height: SIZE, width: SIZE });
    expect(status.checkpoint).toBeNull();
  });

  it('refuses token requests before a tokenizer exists, with a message that says what to do', async () => {
    await expect(ws.getTokens(0)).rejects.toThrow('getTokens: no tokenizer yet (train one or open a checkpoint)');
  });

  it('opens a checkpoint, announces it, and encodes the sequence once as a job with progress', async () => {
    const statuses: AppStatus[] = [];
    const jobs: JobProgress[] = [];
    const offS = ws.on('status', (s) => statuses.push(s));
    const offJ = ws.on('jobProgress', (j) => jobs.push(j));
    const info = await ws.openCheckpoint(ckpt);
    expect(info).toMatchObject({ path: ckpt, step: 5, codebookSize: 16, depth: 1 });
    expect(statuses.at(-1)?.checkpoint?.path).toBe(ckpt);
    expect(statuses.at(-1)?.step).toBe(5);

    const t1 = await ws.getTokens(1);
    expect([t1.h, t1.w, t1.depth]).toEqual([8, 8, 1]);
    expect(t1.indices).toBeInstanceOf(Int32Array);
    expect(t1.quantError.length).toBe(64);
    const direct = await directTokens(1);
    expect(Array.from(t1.indices)).toEqual(Array.from(direct.ids));
    expect(jobs.at(-1)).toMatchObject({ done: FRAMES, total: FRAMES });
    const jobCount = jobs.length;
    await ws.getTokens(2);
    expect(jobs.length).toBe(jobCount); // cached: no second encode
    offS();
    offJ();
  });

  it('decodes a frame to the same classes as the engine, with an error map and mIoU', async () => {
    const d = await ws.getDecoded(1);
    const direct = await directTokens(1);
    expect(d.data.length).toBe(18 * SIZE * SIZE);
    expect(Array.from(d.labels!)).toEqual(Array.from(direct.labels));
    const input = await ws.getFrame(1);
    let wrong = 0;
    for (let i = 0; i < SIZE * SIZE; i++) {
      const isWrong = d.labels![i] !== input.labels![i];
      expect(d.error[i]).toBe(isWrong ? 1 : 0);
      if (isWrong) wrong++;
    }
    expect(wrong).toBeGreaterThan(0); // untrained weights: far from perfect
    expect(d.metrics.miou).toBeGreaterThanOrEqual(0);
    expect(d.metrics.miou).toBeLessThanOrEqual(1);
  });

  it('describes the codebook with usage over the whole sequence and the unused codes as dead', async () => {
    const view = await ws.getCodebook();
    expect([view.size, view.dim, view.codes.length]).toEqual([16, 4, 64]);
    const total = view.usage.reduce((a, b) => a + b, 0);
    expect(total).toBe(FRAMES * 64);
    expect(view.dead).toEqual([...view.usage.keys()].filter((k) => view.usage[k] === 0));
    const top = view.usage.indexOf(Math.max(...view.usage));
    const occ = await ws.codeOccurrences(top);
    expect(occ.length).toBe(view.usage[top]);
    const tokens = await Promise.all(Array.from({ length: FRAMES }, (_, f) => ws.getTokens(f)));
    for (const o of occ) expect(tokens[o.frame]!.indices[o.row * 8 + o.col]).toBe(top);
    await expect(ws.codeOccurrences(16)).rejects.toThrow('codeOccurrences: code 16 is out of range 0..15');
    await expect(ws.getCodebook(1)).rejects.toThrow(/level must be an integer in 0..0/);
  });

  it('projects the codebook to 3D with PCA (distinct points, one per code)', async () => {
    const p = await ws.projectCodebook('pca');
    expect(p.points.length).toBe(16 * 3);
    expect(p.points.every(Number.isFinite)).toBe(true);
    const xs = new Set(Array.from({ length: 16 }, (_, i) => p.points[i * 3]!.toFixed(5)));
    expect(xs.size).toBeGreaterThan(8);
    await expect(ws.projectCodebook('tsne' as 'pca')).rejects.toThrow(/method must be "pca" or "umap"/);
  });

  it("decodes a code's prototype to a small frame", async () => {
    const p = await ws.codePrototype(3);
    expect(p.data.length).toBe(18 * 16 * 16);
    expect(p.labels!.length).toBe(256);
  });

  it('saves a checkpoint that opens again to the same tokens', async () => {
    const before = await ws.getTokens(3);
    const file = path.join(dir, 'again.ckpt');
    const info = await ws.saveCheckpoint(file);
    expect(info.path).toBe(file);
    expect(info.sizeBytes).toBeGreaterThan(1000);
    await ws.openCheckpoint(file);
    const after = await ws.getTokens(3);
    expect(Array.from(after.indices)).toEqual(Array.from(before.indices));
    const def = await ws.saveCheckpoint();
    expect(path.dirname(def.path)).toBe(dir);
    expect(path.basename(def.path)).toBe('tokenizer-step5.ckpt');
  });

  it('exports safetensors, config, codebook and the token dataset of the open sequence', async () => {
    const out = path.join(dir, 'export');
    const files = await ws.exportCheckpoint(out);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['codebook.npy', 'config.json', 'model.safetensors', 'tokens.npy']);
    const tokens = await readNpy(path.join(out, 'tokens.npy'));
    expect(tokens.dtype).toBe('int32');
    expect(tokens.shape).toEqual([FRAMES, 8, 8]);
    const t2 = await ws.getTokens(2);
    expect(Array.from((tokens.data as Int32Array).subarray(2 * 64, 3 * 64))).toEqual(Array.from(t2.indices));
    const config = JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8'));
    expect(config.token_grid).toEqual([8, 8]);
    // The export folder opens as a tokenizer too, with the same tokens.
    await ws.openCheckpoint(out);
    expect(Array.from((await ws.getTokens(2)).indices)).toEqual(Array.from(t2.indices));
  });

  it('keeps tf.memory().numTensors flat across repeated frame requests', async () => {
    await ws.getDecoded(0);
    await ws.codePrototype(1);
    await ws.settled();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      await ws.getDecoded(i % FRAMES);
      await ws.getTokens(i % FRAMES);
      await ws.codePrototype(i);
      await ws.getCodebook();
    }
    await ws.settled();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives one clear error for a missing or corrupt checkpoint and keeps the current tokenizer', async () => {
    const current = (await ws.getStatus()).checkpoint?.path;
    await expect(ws.openCheckpoint(path.join(dir, 'nope.ckpt'))).rejects.toThrow('nope.ckpt: no such checkpoint file or export folder');
    const bad = path.join(dir, 'bad.ckpt');
    await writeFile(bad, 'not a checkpoint at all');
    await expect(ws.openCheckpoint(bad)).rejects.toThrow(/bad\.ckpt/);
    expect((await ws.getStatus()).checkpoint?.path).toBe(current);
    expect((await ws.getTokens(0)).indices.length).toBe(64);
  });

  it('refuses data the tokenizer cannot read, naming both sides', async () => {
    await ws.openProcedural({ frames: 2, size: 34 });
    await expect(ws.getTokens(0)).rejects.toThrow(/not a multiple of the tokenizer's downsampling factor 4/);
    await ws.openProcedural({ frames: FRAMES, size: SIZE });
  });
});
