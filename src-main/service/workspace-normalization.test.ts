import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TrainConfig } from '../contract/index';
import { openPath } from '../data/open-path';
import { LIDAR_SAMPLE } from '../data/test-paths';
import { sourceNormalization } from '../engine/model/normalization';
import { createWorkspace } from './workspace';
import type { Workspace } from './workspace';

/**
 * Training on continuous frames through the workspace (the app's and the CLI's path): the
 * source's normalisation statistics are computed when training starts and travel with the
 * tokenizer into its checkpoint and export.
 */
const SMALL: Partial<TrainConfig> = {
  steps: 3,
  batchSize: 2,
  crop: 16,
  model: { inChannels: 20, hidden: 8, latentDim: 4, stages: 2 },
  quantizer: { kind: 'vq', codebookSize: 16 },
};

let dir: string;
let ws: Workspace;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-norm-'));
  ws = await createWorkspace({ checkpointDir: dir });
});

afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('Workspace training on the lidar sample', () => {
  it('normalises with the source statistics and keeps them in the checkpoint and the export', async () => {
    await ws.openPath(LIDAR_SAMPLE);
    const expected = await sourceNormalization(await openPath(LIDAR_SAMPLE));
    expect(expected).toBeDefined();
    await ws.startTraining(SMALL);
    await ws.waitForTraining();
    const info = await ws.saveCheckpoint(path.join(dir, 'lidar.ckpt'));
    expect(info.config.normalization).toEqual(expected);

    await ws.openCheckpoint(info.path);
    const files = await ws.exportCheckpoint(path.join(dir, 'export'));
    const cfgFile = files.find((f) => path.basename(f) === 'config.json')!;
    const json = JSON.parse(await readFile(cfgFile, 'utf8')) as { input: { normalization: unknown }; train: TrainConfig };
    expect(json.input.normalization).toEqual(expected);
    expect(json.train.normalization).toEqual(expected);

    // Resuming keeps the run's statistics instead of recomputing them.
    await ws.startTraining({ ...SMALL, steps: 4 }, { resume: true });
    await ws.waitForTraining();
    expect((await ws.saveCheckpoint(path.join(dir, 'resumed.ckpt'))).config.normalization).toEqual(expected);
  });
});
