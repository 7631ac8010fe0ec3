import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RunEvent } from '../contract/index';
import { createProceduralSequence } from '../data/procedural-scene';
import { Tokenizer } from '../engine/tokenizer';
import { exportForPyTorch } from '../engine/checkpoint/export';
import { inputDescription } from './tokenizer-session';
import { SMALL_CONFIG } from './test-config';
import { createWorkspace, type Workspace } from './workspace';
import { parseMetricLine } from './run-follower';

/**
 * Following a training kit's run folder: checkpoints appear as they land (whole folders only),
 * the views load the newest or stay on a pinned one, metrics.jsonl arrives line by line (a torn
 * last line waits for its end; a rewritten file resets the curves).
 */
const SIZE = 32;
const seq = createProceduralSequence({ seed: 7, frames: 3, size: SIZE });
let dir: string;
let run: string;
let ws: Workspace;
const events: RunEvent[] = [];

/** Writes RUN/checkpoints/step-N/ the way the kit does: into a temporary folder, then renamed. */
async function landCheckpoint(step: number, seed: number): Promise<void> {
  const cfg = { ...SMALL_CONFIG, seed };
  const tok = new Tokenizer(cfg, seq.encoding);
  const final = path.join(run, 'checkpoints', `step-${String(step).padStart(6, '0')}`);
  const tmp = `${final}.partial-123`;
  try {
    await exportForPyTorch(tok, cfg, tmp, inputDescription(seq));
  } finally {
    tok.dispose();
  }
  const cfgFile = path.join(tmp, 'config.json');
  const json = JSON.parse(await fs.readFile(cfgFile, 'utf8')) as Record<string, unknown>;
  await fs.writeFile(cfgFile, JSON.stringify({ ...json, run: { step } }));
  await fs.rename(tmp, final);
}

function metricLine(step: number, loss: number): string {
  return JSON.stringify({ step, totalSteps: 10, loss, reconLoss: loss, quantLoss: { total: 0 }, utilization: 0.5, perplexity: 3, deadCodes: 8 }) + '\n';
}

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(tmpdir(), 'tokenscope-follow-'));
  run = path.join(dir, 'run');
  await fs.mkdir(path.join(run, 'checkpoints'), { recursive: true });
  ws = await createWorkspace({ procedural: { frames: 3, size: SIZE }, encodeIn: 'process' });
  ws.on('run', (e) => events.push(e));
});

afterAll(async () => {
  await ws?.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('following a run folder', () => {
  it('loads the newest whole checkpoint, moves on as new ones land, stays when pinned, and streams metrics', async () => {
    await landCheckpoint(2, 1);
    await fs.writeFile(path.join(run, 'metrics.jsonl'), metricLine(1, 3) + metricLine(2, 2.5) + '{"step": 3, "loss": 2.2');
    // A folder still being written is never read.
    await fs.mkdir(path.join(run, 'checkpoints', 'step-000003.partial-9'), { recursive: true });

    const first = await ws.followRun(run);
    expect(first.info.checkpoints.map((c) => c.step)).toEqual([2]);
    expect(first.info.shownStep).toBe(2);
    expect(first.metrics.map((m) => m.step)).toEqual([1, 2]);
    expect((await ws.getStatus()).checkpoint?.step).toBe(2);

    // The torn line completes and a new checkpoint lands: the views follow without being asked.
    await fs.appendFile(path.join(run, 'metrics.jsonl'), ', "reconLoss": 2}\n' + metricLine(4, 2));
    await landCheckpoint(4, 2);
    await until('step 4 shown', async () => (await ws.getStatus()).checkpoint?.step === 4);
    const newSteps = events.flatMap((e) => e.newMetrics.map((m) => m.step));
    expect(newSteps).toEqual([3, 4]);
    expect((await ws.getRun())?.shownStep).toBe(4);

    // Pinned to step 2: step 6 appears in the list but the views stay.
    const pinned = await ws.setRunFollow({ follow: false, step: 2 });
    expect(pinned.shownStep).toBe(2);
    expect((await ws.getStatus()).checkpoint?.step).toBe(2);
    await landCheckpoint(6, 3);
    await until('step 6 listed', async () => ((await ws.getRun())?.checkpoints.some((c) => c.step === 6) ? true : undefined));
    expect((await ws.getStatus()).checkpoint?.step).toBe(2);
    await expect(ws.setRunFollow({ follow: false, step: 5 })).rejects.toThrow(/no checkpoint at step 5/);

    // Back to following: the newest again. A resumed run rewrites metrics.jsonl: the curves reset.
    await ws.setRunFollow({ follow: true });
    expect((await ws.getStatus()).checkpoint?.step).toBe(6);
    const before = events.length;
    await fs.writeFile(path.join(run, 'metrics.jsonl'), metricLine(1, 3));
    await until('a reset event', () => (events.slice(before).some((e) => e.reset) ? true : undefined));

    await ws.stopFollowingRun();
    expect(await ws.getRun()).toBeNull();
  });

  it('refuses what is not a run folder, and reads a metrics line as the app\'s TrainMetrics or not at all', async () => {
    await expect(ws.followRun(path.join(dir, 'nope'))).rejects.toThrow(/not a folder/);
    expect(parseMetricLine('{"step": 0, "loss": 1}')).toBeNull();
    expect(parseMetricLine('{"step": 2, "loss": "x"}')).toBeNull();
    expect(parseMetricLine('[1,2]')).toBeNull();
    const m = parseMetricLine('{"step": 5, "loss": 1.5, "reconLoss": 1, "quantLoss": {"total": 0.5, "bad": "x"}, "miou": 0.3}');
    expect(m).toMatchObject({ step: 5, loss: 1.5, reconLoss: 1, quantLoss: { total: 0.5 }, miou: 0.3 });
    expect(m?.quantLoss).not.toHaveProperty('bad');
  });
});
