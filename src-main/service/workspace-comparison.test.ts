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
