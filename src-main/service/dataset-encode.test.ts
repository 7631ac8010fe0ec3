import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../contract/index';
import { readNpy } from '../data/npy';
import { buildOcc3dTree, type TreeScene } from '../data/occ3d-test-tree';
import { openPath } from '../data/open-path';
import { classEncoding } from '../data/palette';
import { OCC3D_SAMPLE } from '../data/test-paths';
import { encodeSequence } from '../engine/infer/encode-sequence';
import { useWasmBackend } from '../engine/quantizers/test-backend';
import { Tokenizer } from '../engine/tokenizer';
import { encodeDataset, framesInFlight, INDEX_FILE, memoryPlan, type DatasetTokensIndex } from './dataset-encode';
import { SMALL_CONFIG } from './test-config';

/**
 * Whole-dataset export: every scene to its own token file plus index.json, interrupted after the
 * first scene and resumed (no scene missing, none twice, the interrupted write never listed),
 * tokens identical to encoding each scene alone, a split on its own, and memory under the bound.
 */
const CONFIG: TrainConfig = { ...SMALL_CONFIG, model: { ...SMALL_CONFIG.model, inChannels: 288 } };
const FRAME_BYTES = 288 * 200 * 200 * 4;

let tmp: string;
let root: string;
let tree: TreeScene[];
let tok: Tokenizer;

beforeAll(async () => {
  await useWasmBackend();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dataset-encode-'));
  root = path.join(tmp, 'occ3d');
  tree = await buildOcc3dTree(root, OCC3D_SAMPLE, [
    { name: 'scene-0010', split: 'val', frames: 2 },
    { name: 'scene-0002', split: 'train', frames: 3 },
    { name: 'scene-0005', split: 'train', frames: 2 },
  ]);
  tok = new Tokenizer(CONFIG, classEncoding(16));
}, 120_000);

afterAll(async () => {
  tok?.dispose();
  await fs.rm(tmp, { recursive: true, force: true });
});

const readIndex = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, INDEX_FILE), 'utf8')) as DatasetTokensIndex;

describe('encodeDataset', () => {
  it('plans workers, batch and cache within the memory bound', () => {
    for (const frames of [3, 6, 7, 20, 100]) {
      const p = memoryPlan(frames * FRAME_BYTES, FRAME_BYTES, 4);
      expect(framesInFlight(p)).toBeLessThanOrEqual(frames);
    }
    expect(memoryPlan(6 * FRAME_BYTES, FRAME_BYTES, 4)).toMatchObject({ workers: 2, batchSize: 1 });
    expect(memoryPlan(7 * FRAME_BYTES, FRAME_BYTES, 1)).toMatchObject({ workers: 1, batchSize: 3 });
    expect(() => memoryPlan(2 * FRAME_BYTES, FRAME_BYTES, 1)).toThrow(/less than three frames/);
  });

  it('resumes after an interruption: finished scenes skipped, none missing or twice, partial files never listed', async () => {
    const out = path.join(tmp, 'tokens');
    const ctl = new AbortController();
    const first = encodeDataset(tok, root, {
      outDir: out,
      maxMemoryBytes: 4 * FRAME_BYTES,
      workers: 1,
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.scenesDone === 1) ctl.abort();
      },
    });
    await expect(first).rejects.toThrow(/cancelled|exited/);
    const partial = await readIndex(out);
    expect(partial.scenes.map((e) => e.scene)).toEqual(['scene-0002']);
    // A crash in the middle of writing a scene leaves a temporary file: never a finished scene.
    await fs.writeFile(path.join(out, '.scene-0005.npy.0badc0ffee.tmp'), 'half a file');

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const resumed = await encodeDataset(tok, path.join(root, 'gts'), { outDir: out, maxMemoryBytes: 6 * FRAME_BYTES, workers: 2 });
    clearInterval(timer);
    expect(resumed.skipped).toEqual(['scene-0002']);
    expect(resumed.encoded.sort()).toEqual(['scene-0005', 'scene-0010']);
    expect(resumed.plan).toMatchObject({ workers: 2, batchSize: 1 });
    // Two wasm workers start (~100 MB each) besides the frames in flight; far below a run that held whole scenes.
    expect(peak - baseline).toBeLessThan(6 * FRAME_BYTES + 500 * 2 ** 20);

    const index = await readIndex(out);
    expect(index.scenes.map((e) => e.scene)).toEqual(['scene-0002', 'scene-0005', 'scene-0010']);
    expect((await fs.readdir(out)).sort()).toEqual(['index.json', 'scene-0002.npy', 'scene-0005.npy', 'scene-0010.npy']);
    for (const e of index.scenes) {
      const want = tree.find((s) => s.name === e.scene)!;
      expect(e.split).toBe(want.split);
      expect(e.sampleTokens).toEqual(want.frames.map((f) => f.token));
      expect(e.timestampsUs).toEqual(want.frames.map((f) => f.timestampUs));
      expect(e.shape).toEqual([want.frames.length, 50, 50]);
      // The same ids as encoding the scene alone, in time order.
      const alone = await encodeSequence(tok, await openPath(root, { scene: e.scene }));
      const ids = await readNpy(path.join(out, e.file));
      expect(ids.shape).toEqual(e.shape);
      expect(Array.from(ids.data as Int32Array)).toEqual(Array.from(alone.tokens));
    }
    expect(index.model.hash).toMatch(/^[0-9a-f]{64}$/);

    // Run again: nothing left to do.
    const again = await encodeDataset(tok, root, { outDir: out, workers: 1 });
    expect(again.encoded).toEqual([]);
    expect(again.skipped).toHaveLength(3);
  }, 600_000);

  it('encodes one split, and refuses a folder holding another model’s tokens without touching it', async () => {
    const out = path.join(tmp, 'val');
    const tensors = tf.memory().numTensors;
    const r = await encodeDataset(tok, root, { outDir: out, split: 'val', workers: 1, maxMemoryBytes: 3 * FRAME_BYTES });
    expect(r.encoded).toEqual(['scene-0010']);
    expect(tf.memory().numTensors).toBe(tensors);
    await expect(encodeDataset(tok, root, { outDir: out, split: 'test' })).rejects.toThrow(/no scene in split "test" \(splits: train, val\)/);
    const before = await fs.readFile(path.join(out, INDEX_FILE), 'utf8');
    const other = new Tokenizer({ ...CONFIG, seed: 99 }, classEncoding(16));
    try {
      await expect(encodeDataset(other, root, { outDir: out, workers: 1 })).rejects.toThrow(/holds tokens of another model/);
    } finally {
      other.dispose();
    }
    expect(await fs.readFile(path.join(out, INDEX_FILE), 'utf8')).toBe(before);
  }, 300_000);
});
