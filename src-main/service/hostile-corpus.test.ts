/**
 * The corpus test of issue 12: malformed files of every format TokenScope reads (.npy, .npz,
 * Occ3D labels.npz, lidar .bin/.pcd.bin, .ckpt, export folders, predictions, token files, and
 * things that are not regular files), generated here, fed through every door of the service
 * in-process and a representative few through the CLI. For each: a clear error naming the file,
 * no hang, memory within a small budget, and nothing on disk changed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../contract';
import { MEMORY_BUDGET_ENV, setMemoryBudget } from '../data/memory-budget';
import { createProceduralSequence } from '../data/procedural-scene';
import { saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { Tokenizer } from '../engine/tokenizer';
import { decodeTokenFile } from './decode-token-file';
import { writeCorpus, type CorpusEntry } from './test-hostile-corpus';
import { SMALL_CONFIG } from './test-config';
import { createWorkspace, type Workspace } from './workspace';

const CONFIG: TrainConfig = { ...SMALL_CONFIG, steps: 1 };
const BUDGET = '64MB';
/** Generous bounds: the machine may be busy; the failures they catch are hangs and gigabytes. */
const PER_FILE_MS = 30_000;
const MAX_RSS_GROWTH = 320 * 1024 * 1024;

let dir: string;
let corpus: string;
let good: string;
let ws: Workspace;
let entries: CorpusEntry[] = [];
let hashesBefore: Map<string, string>;
const savedBudget = process.env[MEMORY_BUDGET_ENV];

/** Every path under `root` (links not followed) → sha256 of regular files, the link target or the kind. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true, encoding: 'buffer' })) {
      const p = Buffer.concat([Buffer.from(d + path.sep), e.name]).toString('latin1');
      const full = Buffer.concat([Buffer.from(d + path.sep), e.name]);
      const key = path.relative(root, p);
      if (e.isDirectory()) await walk(full.toString());
      else if (e.isFile()) out.set(key, createHash('sha256').update(await fs.readFile(full)).digest('hex'));
      else if (e.isSymbolicLink()) out.set(key, `link:${await fs.readlink(full, 'latin1')}`);
      else out.set(key, 'special');
    }
  };
  await walk(root);
  return out;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(tmpdir(), 'ts-corpus-'));
  corpus = path.join(dir, 'corpus');
  await fs.mkdir(corpus);
  ws = await createWorkspace({ procedural: { frames: 5, size: 32 }, encodeIn: 'process' });
  const seq = createProceduralSequence({ frames: 5, size: 32 });
  const tok = new Tokenizer(CONFIG, seq.encoding);
  const weights = tok.stateDict();
  good = path.join(corpus, 'good.ckpt');
  await saveCheckpoint(good, { config: CONFIG, step: 1, weights, optimizer: null, metrics: [] });
  tf.dispose(Object.values(weights));
  tok.dispose();
  entries = await writeCorpus(corpus, good, CONFIG);
  await ws.openCheckpoint(good);
  hashesBefore = await snapshot(corpus);
  setMemoryBudget(BUDGET);
});

afterAll(async () => {
  if (savedBudget === undefined) delete process.env[MEMORY_BUDGET_ENV];
  else process.env[MEMORY_BUDGET_ENV] = savedBudget;
  await ws?.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

/** What the app does with each kind of file; data is opened, then its first frame shown, as the app does. */
async function door(e: CorpusEntry): Promise<unknown> {
  const file = path.join(corpus, e.name);
  switch (e.door) {
    case 'openPath':
      await ws.openPath(file);
      return ws.getFrame(0);
    case 'openCheckpoint':
      return ws.openCheckpoint(file);
    case 'importPredictions':
      // Predictions are checked against the data they predict: the 5-frame 32×32 scene.
      await ws.openProcedural({ frames: 5, size: 32 });
      return ws.importPredictions(file);
    case 'decode':
      return decodeTokenFile(ws, file);
  }
}

describe('the hostile corpus through the service (in-process, every door)', () => {
  it('holds at least 40 malformed inputs, covering every format and door', () => {
    expect(entries.length).toBeGreaterThanOrEqual(40);
    for (const prefix of ['npy/', 'npz/', 'occ3d/', 'lidar/', 'ckpt/', 'exports/', 'pred/', 'tokens/', 'special/']) {
      expect(entries.filter((e) => e.name.startsWith(prefix)).length, prefix).toBeGreaterThanOrEqual(1);
    }
  });

  it('each gives one clear error naming the file, fast, within the memory budget', async () => {
    const baseline = process.memoryUsage().rss;
    const tensors = tf.memory().numTensors;
    let peak = 0;
    const failures: string[] = [];
    for (const e of entries) {
      const t0 = Date.now();
      let message: string | null = null;
      try {
        await door(e);
      } catch (err) {
        message = (err as Error).message ?? String(err);
      }
      const ms = Date.now() - t0;
      peak = Math.max(peak, process.memoryUsage().rss - baseline);
      const shown = e.named ?? path.basename(e.name);
      if (message === null) failures.push(`${e.name}: was accepted`);
      else if (!message.includes(shown)) failures.push(`${e.name}: message does not name the file: ${message}`);
      else if (!e.problem.test(message)) failures.push(`${e.name}: expected ${e.problem}, got: ${message}`);
      // eslint-disable-next-line no-control-regex
      else if (/[\u0000-\u001f\u007f-\u009f]/.test(message)) failures.push(`${e.name}: message holds control characters: ${JSON.stringify(message)}`);
      if (ms > PER_FILE_MS) failures.push(`${e.name}: took ${ms} ms`);
    }
    expect(failures).toEqual([]);
    expect(tf.memory().numTensors, 'tensors left behind by refusals').toBe(tensors);
    expect(peak, `rss grew by ${(peak / 2 ** 20).toFixed(0)} MiB`).toBeLessThan(MAX_RSS_GROWTH);
  });

  it('after all of them the workspace still works and its checkpoint is the good one', async () => {
    await ws.openProcedural({ frames: 5, size: 32 });
    const status = await ws.getStatus();
    expect(status.checkpoint?.path).toBe(good);
    expect((await ws.getTokens(0)).indices.length).toBe(64);
  });

  it('nothing in the corpus was modified, added or removed', async () => {
    const after = await snapshot(corpus);
    expect([...after.keys()].sort()).toEqual([...hashesBefore.keys()].sort());
    for (const [k, h] of hashesBefore) expect(after.get(k), k).toBe(h);
  });
});

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tokenscope.mjs');

function tokenscope(args: string[]): Promise<{ code: number; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, timeout: 180_000, env: { ...process.env, NO_COLOR: '1', [MEMORY_BUDGET_ENV]: '' } }, (err, _stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stderr, ms: Date.now() - t0 });
    });
  });
}

describe('representative hostile files through the CLI (spawned)', () => {
  const c = (name: string) => path.join(corpus, name);

  it.runIf(existsSync('/usr/bin/mkfifo'))('a FIFO named .npy: refused at once instead of hanging the CLI', async () => {
    const r = await tokenscope(['encode', good, c('special/fifo.npy'), '-o', path.join(dir, 'out', 'a.npy')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tokenscope encode: fifo\.npy: is a named pipe \(FIFO\), not a regular file/);
    expect(existsSync(path.join(dir, 'out', 'a.npy'))).toBe(false);
  });

  it('a 1 MB token file that would decode to gigabytes, under --memory-budget', async () => {
    const r = await tokenscope(['decode', good, c('tokens/huge-t.npy'), '-o', path.join(dir, 'out', 'b.npy'), '--memory-budget', BUDGET]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tokenscope decode: huge-t\.npy: 16384 frames of 8×8 tokens would decode to 1\.13 GiB, over the memory budget of 64\.0 MiB/);
  });

  it('an export folder whose config points at /etc/passwd, and a crafted checkpoint', async () => {
    const r = await tokenscope(['info', c('ckpt/string-metrics.ckpt')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/string-metrics\.ckpt: corrupt or crafted checkpoint: metrics\[0\]\.step is not a number/);
    const e = await tokenscope(['encode', c('exports/passwd'), '-o', path.join(dir, 'out', 'c.npy'), '--frames', '2', '--size', '32']);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/passwd\/config\.json: "weights" must be a file name inside the export folder/);
    expect(e.stderr).not.toMatch(/root:/);
  });

  it('evaluate: predictions with 5,000 rollouts are refused at once instead of hanging', async () => {
    const r = await tokenscope(['evaluate', good, c('pred/5000-rollouts.npy'), '--frames', '5', '--size', '32']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tokenscope evaluate: 5000-rollouts\.npy: holds 5000 rollouts; at most 256 are scored/);
  });

  it('-o naming a folder is refused before any work, with exit code 2', async () => {
    await fs.mkdir(path.join(dir, 'out'), { recursive: true });
    const r = await tokenscope(['train', '--steps', '1000', '-o', path.join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tokenscope train: -o .*out is a folder; give a file name/);
    expect(r.stderr).not.toMatch(/backend:/); // refused before TensorFlow.js even started
  });

  it('the corpus is unchanged after the CLI runs too', async () => {
    const after = await snapshot(corpus);
    for (const [k, h] of hashesBefore) expect(after.get(k), k).toBe(h);
  });
});
