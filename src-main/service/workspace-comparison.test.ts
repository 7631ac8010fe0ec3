import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createProceduralSequence } from '../data/procedural-scene';
import { Tokenizer } from '../engine/tokenizer';
import { saveCheckpoint } from '../engine/checkpoint/checkpoint';
import { SMALL_CONFIG } from './test-config';
import { createWorkspace, type Workspace } from './workspace';

/** Two checkpoints on the same frames: B's tokens and reconstruction, and where they differ. */
const SIZE = 32;
const seq = createProceduralSequence({ seed: 7, frames: 3, size: SIZE });
let dir: string;
let ws: Workspace;

async function checkpoint(name: string, seed: number): Promise<string> {
  const cfg = { ...SMALL_CONFIG, seed };
  const tok = new Tokenizer(cfg, seq.encoding);
  const weights = tok.stateDict();
  const file = path.join(dir, `${name}.ckpt`);
  await saveCheckpoint(file, { config: cfg, step: seed, weights, optimizer: null, metrics: [] });
  tf.dispose(Object.values(weights));
  tok.dispose();
  return file;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(tmpdir(), 'tokenscope-compare-'));
  ws = await createWorkspace({ procedural: { seed: 7, frames: 3, size: SIZE }, encodeIn: 'process' });
});
afterAll(async () => {
  await ws?.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('comparing two checkpoints', () => {
  it('shows B beside A with the cells whose tokens and classes differ; A against itself differs nowhere', async () => {
    const a = await checkpoint('a', 1);
    const b = await checkpoint('b', 2);
    await ws.openCheckpoint(a);
    await expect(ws.getComparison(0)).rejects.toThrow(/openComparison first/);

    const info = await ws.openComparison(b);
    expect(info.step).toBe(2);
    const c = await ws.getComparison(1, { channels: 'labels' });
    const own = await ws.getTokens(1);
    expect(c.index).toBe(1);
    expect([c.tokens.h, c.tokens.w]).toEqual([own.h, own.w]);
    expect(c.tokenDiff).not.toBeNull();
    expect(c.tokenDiff!.length).toBe(own.h * own.w);
    // Different random weights: the ids disagree somewhere, and the agreement says how much.
    const differing = c.tokenDiff!.reduce((s, v) => s + v, 0);
    expect(differing).toBeGreaterThan(0);
    expect(c.tokenAgreement).toBeCloseTo(1 - differing / c.tokenDiff!.length, 10);
    expect(c.decodedDiff.length).toBe(SIZE * SIZE);
    expect(c.decoded.labels?.length).toBe(SIZE * SIZE);
    // The view's own tokens are untouched by the comparison.
    expect(Array.from((await ws.getTokens(1)).indices)).toEqual(Array.from(own.indices));

    await ws.openComparison(a);
    const same = await ws.getComparison(1, { channels: 'labels' });
    expect(same.tokenAgreement).toBe(1);
    expect(same.decodedDiff.every((v) => v === 0)).toBe(true);

    await ws.closeComparison();
    await expect(ws.getComparison(0)).rejects.toThrow(/openComparison first/);
  });
});

describe('comparison figures and the recent-checkpoints list', () => {
  it('both sides\' tokens, a counted difference map, per-class IoU and code usage for both; B offered from the recent list', async () => {
    const a = await checkpoint('ra', 11);
    const b = await checkpoint('rb', 12);
    await ws.openCheckpoint(b);
    await ws.openCheckpoint(a);
    // B was opened before A: it is offered; A (shown) is not.
    const recent = await ws.recentCheckpoints();
    expect(recent.map((r) => r.path)).toContain(b);
    expect(recent.map((r) => r.path)).not.toContain(a);
    expect(recent.find((r) => r.path === b)).toMatchObject({ origin: 'opened', step: 12 });

    await ws.openComparison(recent.find((r) => r.path === b)!.path);
    const c = await ws.getComparison(2, { channels: 'labels' });
    const ta = await ws.getTokens(2);
    expect(Array.from(c.tokensA!.indices)).toEqual(Array.from(ta.indices));
    let differing = 0;
    for (let i = 0; i < ta.h * ta.w; i++) if (ta.indices[i] !== c.tokens.indices[i]) differing++;
    expect(c.differingCells).toBe(differing);
    expect(differing).toBeGreaterThan(0);
    expect(c.usageA!.used).toBe(new Set(ta.indices).size);
    expect(c.usageB!.used).toBe(new Set(c.tokens.indices).size);
    expect(c.usageB!.codebookSize).toBe(SMALL_CONFIG.quantizer.codebookSize);
    // The procedural scene is a class frame: per-class IoU on both sides, each in [0, 1], free class left out.
    const enc = seq.encoding;
    expect(enc.kind).toBe('classes');
    expect(c.classIou!.length).toBeGreaterThan(0);
    for (const k of c.classIou!) {
      expect(k.id).not.toBe(enc.kind === 'classes' ? enc.freeClass : -1);
      for (const v of [k.a, k.b]) if (v !== null) expect(v >= 0 && v <= 1).toBe(true);
    }
    await ws.closeComparison();
  });
});
