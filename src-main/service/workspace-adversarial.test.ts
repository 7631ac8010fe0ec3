import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TrainConfig, TrainProgress } from '../contract/index';
import { loadCheckpoint, disposeSnapshot } from '../engine/checkpoint/checkpoint';
import { createWorkspace, type Workspace } from './workspace';

/**
 * The adversarial objective through the workspace (training worker thread): its G/D curves
 * arrive with the progress, its discriminator and the discriminator's Adam are saved in the
 * checkpoint, and a resumed run continues them (the Adam step counts on from the saved one).
 */
const ADV: Partial<TrainConfig> = {
  steps: 4,
  batchSize: 2,
  crop: 16,
  model: { inChannels: 18, hidden: 8, latentDim: 4, stages: 2 },
  quantizer: { kind: 'vq', codebookSize: 16 },
  adversarial: { startStep: 2, weight: 0.5, loss: 'non-saturating', featureMatchingWeight: 1, discLayers: 1, discChannels: 8 },
};

let dir: string;
let ws: Workspace;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-adv-'));
  ws = await createWorkspace({ procedural: { frames: 4, size: 32 }, checkpointDir: dir });
});

afterAll(async () => {
  await ws?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function discriminatorOf(file: string): Promise<{ adamStep: unknown; names: string[]; first: number[] }> {
  const snap = await loadCheckpoint(file);
  try {
    const names = Object.keys(snap.arrays ?? {}).filter((k) => k.startsWith('discriminator'));
    return { adamStep: (snap.extra?.__discriminator as { adamStep?: unknown })?.adamStep, names, first: Array.from(snap.arrays?.['discriminator.main.0.weight']?.data.slice(0, 8) ?? []) };
  } finally {
    disposeSnapshot(snap);
  }
}

describe('Workspace adversarial training', () => {
  it('reports G/D losses and λ from the start step, saves the discriminator and resumes it', async () => {
    const events: TrainProgress[] = [];
    const off = ws.on('trainProgress', (p) => events.push(p));
    await ws.startTraining(ADV);
    await ws.waitForTraining();
    off();
    const last = events.at(-1)!.metrics!;
    expect(last.step).toBe(4);
    expect(last.adversarial).toBeDefined();
    expect(last.adversarial!.lambda).toBeGreaterThan(0);
    expect(last.adversarial!.featureMatching).toBeGreaterThan(0);
    const info = await ws.saveCheckpoint(path.join(dir, 'adv4.ckpt'));
    expect(info.config.adversarial).toEqual(ADV.adversarial);
    const d4 = await discriminatorOf(info.path);
    // Steps 3 and 4 trained the discriminator (start step 2, counted from 0).
    expect(d4.adamStep).toBe(2);
    expect(d4.names).toContain('discriminator.main.0.weight');
    expect(d4.names).toContain('discriminator_adam.main.0.weight.exp_avg');

    await ws.openCheckpoint(info.path);
    await ws.startTraining({ ...ADV, steps: 6 }, { resume: true });
    await ws.waitForTraining();
    const resumed = await ws.saveCheckpoint(path.join(dir, 'adv6.ckpt'));
    const d6 = await discriminatorOf(resumed.path);
    expect(d6.adamStep).toBe(4); // 2 + 2: continued, not a fresh discriminator
    expect(d6.first).not.toEqual(d4.first);
  });
});
