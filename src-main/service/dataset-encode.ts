/**
 * A whole dataset (or one split) encoded to token files, one `<scene>.npy` per scene plus
 * `index.json` (scene, split, sample tokens, timestamps, file, shape, model hash), on the
 * engine's inference worker pool, one scene after another.
 *
 * Resumable: a scene is listed in index.json only once its file has been renamed into place
 * (token files are written to a temporary name first), so after an interruption the finished
 * scenes are skipped and a half-written file is never taken for a finished one; leftover
 * temporaries are removed. The index is rewritten atomically after each scene.
 *
 * Memory is bounded by `maxMemoryBytes` whatever the dataset's size: the workers hold a batch
 * (twice: staging array and tensor) and one cached frame each, sized from the bound; the main
 * thread holds one scene's token ids. Each worker's backend adds its own fixed cost (~100 MB).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DatasetIndex, DatasetScene } from '../data/dataset-index';
import { findDataset } from '../data/dataset-listing';
import { scenesOfSplit } from '../data/dataset-scene';
import { writeTokenDataset } from '../engine/checkpoint/export';
import { InferencePool } from '../engine/infer/inference-pool';
import { plainWeights, type PlainTensor } from '../engine/train/snapshot';
import type { Tokenizer } from '../engine/tokenizer';
import { writeFileAtomic } from '../util/atomic-write';

export const INDEX_FILE = 'index.json';
export const INDEX_FORMAT = 'tokenscope-dataset-tokens/1';
export const DEFAULT_MAX_MEMORY = 2 * 1024 ** 3;

export interface DatasetTokensEntry {
  scene: string;
  split: string | null;
  file: string;
  shape: number[];
  /** False when the dataset gave no time order (the frames are in name order). */
  ordered: boolean;
  sampleTokens: string[];
  timestampsUs: (number | null)[];
  bytes: number;
}

export interface DatasetTokensIndex {
  format: string;
  dataset: { kind: string; root: string };
  model: { hash: string; codebookSize: number; depth: number };
  scenes: DatasetTokensEntry[];
}

export interface DatasetEncodeProgress {
  scene: string;
  /** Scenes finished (encoded or skipped) and their total. */
  scenesDone: number;
  scenes: number;
  /** Frames finished over the scenes to encode, and their total (skipped scenes not counted). */
  framesDone: number;
  frames: number;
}

export interface DatasetEncodeOptions {
  outDir: string;
  split?: string;
  maxMemoryBytes?: number;
  /** Inference workers (default: the pool's own choice, capped by the memory bound). */
  workers?: number;
  onProgress?: (p: DatasetEncodeProgress) => void;
  /** Stops after the scene in progress is abandoned; finished scenes stay listed. */
  signal?: AbortSignal;
  /** Where the worker module lives (bundled apps). */
  entry?: URL;
}

export interface DatasetEncodeResult {
  index: DatasetTokensIndex;
  encoded: string[];
  skipped: string[];
  plan: MemoryPlan;
  /** What encoded (InferencePool.engineLabel); absent when every scene was done already. */
  engine?: string;
}

export interface MemoryPlan {
  workers: number;
  batchSize: number;
  cacheFrames: number;
  frameBytes: number;
  boundBytes: number;
}

/** Frames a worker holds at once: its batch twice (the staging array and the backend's tensor) and one cached frame. */
export function framesInFlight(p: Pick<MemoryPlan, 'workers' | 'batchSize' | 'cacheFrames'>): number {
  return p.workers * (2 * p.batchSize + p.cacheFrames);
}

/** Workers, batch and cache so that the frames in flight stay within `bound`. */
export function memoryPlan(bound: number, frameBytes: number, wantWorkers: number): MemoryPlan {
  const leastPerWorker = 3 * frameBytes;
  if (bound < leastPerWorker) {
    throw new Error(`a memory bound of ${mib(bound)} MiB is less than three frames (${mib(leastPerWorker)} MiB): raise it`);
  }
  const workers = Math.max(1, Math.min(wantWorkers, Math.floor(bound / leastPerWorker)));
  const batchSize = Math.max(1, Math.min(8, Math.floor((Math.floor(bound / workers / frameBytes) - 1) / 2)));
  return { workers, batchSize, cacheFrames: 1, frameBytes, boundBytes: bound };
}

export async function encodeDataset(tokenizer: Tokenizer, datasetPath: string, opts: DatasetEncodeOptions): Promise<DatasetEncodeResult> {
  const index = await findDataset(datasetPath);
  if (!index) throw new Error(`${path.basename(datasetPath)}: not a dataset (an Occ3D root with annotations.json and gts/, its gts/ or a scene folder)`);
  const scenes = scenesOfSplit(index, opts.split);
  const outDir = path.resolve(opts.outDir);
  await fs.mkdir(outDir, { recursive: true });
  await removeTemporaries(outDir);
  const weights = await plainWeights(tokenizer);
  const hash = modelHash(tokenizer, weights);
  const q = tokenizer.quantizer;
  const tokensIndex = (await readIndex(outDir, hash)) ?? {
    format: INDEX_FORMAT,
    dataset: { kind: index.kind, root: index.root },
    model: { hash, codebookSize: q.codebookSize, depth: q.depth },
    scenes: [],
  };
  const done = new Set<string>();
  for (const e of tokensIndex.scenes) {
    const size = await fs.stat(path.join(outDir, e.file)).then((s) => s.size, () => -1);
    if (size === e.bytes) done.add(e.scene);
  }
  // Entries whose file went missing are encoded again.
  tokensIndex.scenes = tokensIndex.scenes.filter((e) => done.has(e.scene));
  const todo = scenes.filter((s) => !done.has(s.name));
  const skipped = scenes.filter((s) => done.has(s.name)).map((s) => s.name);
  const frames = todo.reduce((n, s) => n + s.frames.length, 0);
  const progress: DatasetEncodeProgress = { scene: '', scenesDone: skipped.length, scenes: scenes.length, framesDone: 0, frames };
  const encoded: string[] = [];
  const frameBytes = tokenizer.cfg.model.inChannels * 4 * (await frameCells(index, todo[0]));
  const defaultWorkers = Math.min(4, (await import('node:os')).availableParallelism?.() ?? 2);
  const plan = memoryPlan(opts.maxMemoryBytes ?? DEFAULT_MAX_MEMORY, frameBytes, opts.workers ?? defaultWorkers);
  if (todo.length === 0) return { index: tokensIndex, encoded, skipped, plan };

  const pool = await InferencePool.create({
    config: tokenizer.cfg,
    encoding: tokenizer.encoding,
    weights,
    backend: { allowNative: true },
    workers: plan.workers,
    ...(opts.entry ? { entry: opts.entry } : {}),
  });
  // An abort stops the workers at once (their encode rejects); finished scenes stay listed.
  const onAbort = () => void pool.dispose();
  opts.signal?.addEventListener('abort', onAbort);
  try {
    for (const scene of todo) {
      if (opts.signal?.aborted) throw new Error('encoding the dataset was cancelled');
      progress.scene = scene.name;
      const base = progress.framesDone;
      const r = await pool.encode(
        {
          kind: 'dataset-scene',
          dataset: { kind: index.kind, root: index.root, warnings: [] },
          scene,
          // Masks serve metrics and overlays, not encoding: not read here.
          options: { cacheFrames: plan.cacheFrames, cacheBytes: plan.frameBytes, keepMasks: false },
        },
        scene.frames.length,
        { batchSize: plan.batchSize, onProgress: (d) => opts.onProgress?.({ ...progress, framesDone: base + d }) },
      );
      if (opts.signal?.aborted) throw new Error('encoding the dataset was cancelled');
      const shape = r.depth === 1 ? [r.frames, r.h, r.w] : [r.frames, r.h, r.w, r.depth];
      const file = `${scene.name}.npy`;
      await writeTokenDataset(path.join(outDir, file), r.tokens, shape);
      const bytes = (await fs.stat(path.join(outDir, file))).size;
      tokensIndex.scenes = [...tokensIndex.scenes.filter((e) => e.scene !== scene.name), entryOf(scene, file, shape, bytes)].sort((a, b) =>
        a.scene < b.scene ? -1 : a.scene > b.scene ? 1 : 0,
      );
      await writeFileAtomic(path.join(outDir, INDEX_FILE), JSON.stringify(tokensIndex, null, 1) + '\n');
      encoded.push(scene.name);
      progress.framesDone = base + scene.frames.length;
      progress.scenesDone++;
      opts.onProgress?.({ ...progress });
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await pool.dispose();
  }
  return { index: tokensIndex, encoded, skipped, plan, engine: pool.engineLabel };
}

function entryOf(scene: DatasetScene, file: string, shape: number[], bytes: number): DatasetTokensEntry {
  return {
    scene: scene.name,
    split: scene.split ?? null,
    file,
    shape,
    ordered: scene.ordered,
    sampleTokens: scene.frames.map((f) => f.token),
    timestampsUs: scene.frames.map((f) => f.timestampUs ?? null),
    bytes,
  };
}

/** H·W of the scene's frames, from its first frame (all frames of a dataset share the grid). */
async function frameCells(index: DatasetIndex, scene: DatasetScene | undefined): Promise<number> {
  if (!scene) return 1;
  const { openDatasetScene } = await import('../data/dataset-scene');
  const seq = await openDatasetScene(index, { ...scene, frames: scene.frames.slice(0, 1) }, { cacheFrames: 0, keepMasks: false });
  return seq.height * seq.width;
}

/** The existing index of a previous run with the same model, or null; another model's is refused. */
async function readIndex(outDir: string, hash: string): Promise<DatasetTokensIndex | null> {
  const file = path.join(outDir, INDEX_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
  let j: DatasetTokensIndex;
  try {
    j = JSON.parse(text) as DatasetTokensIndex;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); remove it or choose another folder`);
  }
  if (j?.format !== INDEX_FORMAT || !Array.isArray(j.scenes)) throw new Error(`${file}: not a TokenScope token index; choose another folder`);
  if (j.model?.hash !== hash) {
    throw new Error(`${file}: holds tokens of another model (hash ${String(j.model?.hash).slice(0, 12)}…, this one ${hash.slice(0, 12)}…); choose another folder`);
  }
  // Only names this run itself writes: an index is never trusted to name other files.
  j.scenes = j.scenes.filter((e) => typeof e?.file === 'string' && e.file === `${e.scene}.npy` && !/[/\\]/.test(e.file) && typeof e.bytes === 'number');
  return j;
}

async function removeTemporaries(outDir: string): Promise<void> {
  for (const name of await fs.readdir(outDir)) {
    if (name.startsWith('.') && name.endsWith('.tmp')) await fs.rm(path.join(outDir, name), { force: true });
  }
}

/** sha256 of the config and every weight (name, shape, bytes): same hash, same tokens. */
export function modelHash(tokenizer: Tokenizer, weights: Record<string, PlainTensor>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ model: tokenizer.cfg.model, quantizer: tokenizer.cfg.quantizer, normalization: tokenizer.cfg.normalization ?? null }));
  for (const name of Object.keys(weights).sort()) {
    const t = weights[name]!;
    h.update(`${name}:${t.dtype}:${t.shape.join('x')};`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}

function mib(n: number): string {
  return (n / 2 ** 20).toFixed(0);
}
