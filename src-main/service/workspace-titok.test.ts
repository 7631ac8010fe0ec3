import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TrainConfig } from '../contract/index';
import { readNpy } from '../data/npy';
import { createWorkspace, type Workspace } from './workspace';

/**
 * The 1D tokenizer through the workspace: trained on whole frames with its grid taken from the
 * data, a token strip `[1, N]` per frame, each token's attention over the BEV, an export whose
 * tokens.npy is `[T, N]`, and a checkpoint that reopens as the same 1D tokenizer.
 */
const TITOK: Partial<TrainConfig> = {
  steps: 2,
  batchSize: 2,
  crop: 16,
  model: { inChannels: 18, hidden: 16, latentDim: 4, stages: 2, arch: 'titok', titok: { tokens: 12, layers: 1, heads: 2, gridHeight: 1, gridWidth: 1 } },
  quantizer: { kind: 'vq', codebookSize: 16 },
};

let dir: string;
let ws: Workspace;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-titok-'));
  ws = await createWorkspace({ procedural: { frames: 3, size: 32 }, checkpointDir: dir });
});

afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('Workspace with a TiTok 1D tokenizer', () => {
  it('grid tokenizers have no token attention', async () => {
    await ws.startTraining({ steps: 1, batchSize: 1, crop: 16, model: { inChannels: 18, hidden: 8, latentDim: 4, stages: 2 }, quantizer: { kind: 'vq', codebookSize: 16 } });
    await ws.waitForTraining();
    await expect(ws.getTokenAttention(0)).rejects.toThrow(/grid tokenizer/);
  });

  it('trains on whole frames, shows N tokens with their attention over the BEV, exports [T, N]', async () => {
    await ws.startTraining(TITOK);
    await ws.waitForTraining();
    const info = await ws.saveCheckpoint(path.join(dir, 'titok.ckpt'));
    // The grid comes from the frames (32 / 4), the crop is dropped: position embeddings fix the size.
    expect(info.config.model.titok).toEqual({ tokens: 12, layers: 1, heads: 2, gridHeight: 8, gridWidth: 8 });
    expect(info.config.crop).toBe(0);
    expect(info.tokenGrid).toEqual([1, 12]);
    const t = await ws.getTokens(1);
    expect([t.h, t.w]).toEqual([1, 12]);
    const a = await ws.getTokenAttention(1);
    expect([a.tokens, a.h, a.w]).toEqual([12, 8, 8]);
    for (let n = 0; n < 12; n++) {
      const s = a.attention.subarray(n * 64, (n + 1) * 64).reduce((x, y) => x + y, 0);
      expect(s).toBeCloseTo(1, 4);
    }
    await expect(ws.getTokenAttention(99)).rejects.toThrow(/index/);
    const files = await ws.exportCheckpoint(path.join(dir, 'export'));
    const tokens = await readNpy(files.find((f) => f.endsWith('tokens.npy'))!);
    expect(tokens.shape).toEqual([3, 12]);
    expect(Array.from(tokens.data as Int32Array).slice(12, 24)).toEqual(Array.from(t.indices));
    const cfg = JSON.parse(await readFile(path.join(dir, 'export', 'config.json'), 'utf8')) as { arch: string; model: { tokens: number; grid: number[] } };
    expect(cfg.arch).toBe('titok');
    expect(cfg.model.grid).toEqual([8, 8]);
    // The checkpoint and the export reopen as the same 1D tokenizer.
    for (const p of [info.path, path.join(dir, 'export')]) {
      await ws.openCheckpoint(p);
      expect(Array.from((await ws.getTokens(1)).indices)).toEqual(Array.from(t.indices));
    }
  });
});
