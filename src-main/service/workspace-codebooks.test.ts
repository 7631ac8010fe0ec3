import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { JobProgress, TrainConfig } from '../contract/index';
import { createProceduralSequence } from '../data/procedural-scene';
import { createWorkspace } from './workspace';
import type { Workspace } from './workspace';
import { saveFreshCheckpoint } from './test-config';

/**
 * The codebook views for the other quantizer families: FSQ's implicit lattice (only used codes
 * listed, with ids), residual VQ's levels, and the UMAP projection. Encoding runs in process
 * here (the worker path is covered by workspace.test.ts).
 */
const SIZE = 32;
const FRAMES = 3;
const seq = createProceduralSequence({ seed: 7, frames: FRAMES, size: SIZE });
let dir: string;
let ws: Workspace;

async function checkpointFor(name: string, quantizer: TrainConfig['quantizer'], latentDim: number): Promise<string> {
  const cfg: TrainConfig = {
    model: { inChannels: 18, hidden: 8, latentDim, stages: 2 },
    quantizer,
    learningRate: 1e-3,
    steps: 1,
    batchSize: 1,
    crop: 0,
    seed: 11,
    checkpointEvery: 0,
  };
  return saveFreshCheckpoint(path.join(dir, `${name}.ckpt`), cfg, seq.encoding);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-cb-'));
  ws = await createWorkspace({ procedural: { frames: FRAMES, size: SIZE }, encodeIn: 'process' });
});

afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('codebook views per quantizer family', () => {
  it('FSQ: lists only the lattice points used, with their ids, codes and counts', async () => {
    await ws.openCheckpoint(await checkpointFor('fsq', { kind: 'fsq', levels: [5, 4, 3] }, 3));
    const view = await ws.getCodebook();
    expect(view.ids).toBeInstanceOf(Int32Array);
    expect(view.size).toBe(view.ids!.length);
    expect(view.size).toBeGreaterThan(0);
    expect(view.size).toBeLessThanOrEqual(60);
    expect(view.codes.length).toBe(view.size * 3);
    expect(view.usage.reduce((a, b) => a + b, 0)).toBe(FRAMES * 64);
    expect(view.dead).toEqual([]);
    // Each listed id really occurs as often as its count says.
    const first = view.ids![0]!;
    expect((await ws.codeOccurrences(first)).length).toBe(view.usage[0]);
    const p = await ws.projectCodebook('pca');
    expect(p.points.length).toBe(view.size * 3);
  });

  it('residual VQ: one codebook per level, tokens [h, w, depth], level-aware occurrences', async () => {
    await ws.openCheckpoint(await checkpointFor('rvq', { kind: 'rvq', codebookSize: 8, depth: 2 }, 4));
    const t = await ws.getTokens(0);
    expect([t.h, t.w, t.depth, t.indices.length]).toEqual([8, 8, 2, 128]);
    const level1 = await ws.getCodebook(1);
    expect([level1.size, level1.dim]).toEqual([8, 4]);
    expect(level1.usage.reduce((a, b) => a + b, 0)).toBe(FRAMES * 64);
    const code = t.indices[1]!; // level 1 of cell 0
    const occ = await ws.codeOccurrences(code, 1);
    expect(occ).toContainEqual({ frame: 0, row: 0, col: 0 });
    expect(occ.length).toBe(level1.usage[code]);
    expect((await ws.codePrototype(code)).data.length).toBe(18 * 16 * 16);
  });

  it('UMAP: a seeded 3D layout of every code, reported as a job with progress', async () => {
    await ws.openCheckpoint(await checkpointFor('vq', { kind: 'vq', codebookSize: 24 }, 4));
    const jobs: JobProgress[] = [];
    const off = ws.on('jobProgress', (j) => jobs.push(j));
    const p = await ws.projectCodebook('umap');
    off();
    expect(p.method).toBe('umap');
    expect(p.points.length).toBe(24 * 3);
    expect(p.points.every(Number.isFinite)).toBe(true);
    const umapJobs = jobs.filter((j) => j.job.includes('UMAP'));
    expect(umapJobs.at(-1)!.done).toBe(umapJobs.at(-1)!.total);
    // Asked again: the cached layout, not a second run.
    expect(await ws.projectCodebook('umap')).toBe(p);
  });
});
