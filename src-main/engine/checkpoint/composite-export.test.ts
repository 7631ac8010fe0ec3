/**
 * Export folders of the composite quantizers read back into TokenScope: the same TrainConfig
 * (every composite field), the same state dict, and shape problems named before anything is built.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpy } from '../../data/npy';
import { exportForPyTorch, importFromPyTorch, disposeStateDict, type ExportableTokenizer } from './export';
import { configProblems } from './checkpoint';
import { randomStateDict, smallConfig, values } from './test-fixtures';
import type { StateDict } from './tensor-io';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-composite-export-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function holder(sd: StateDict): ExportableTokenizer {
  return { stateDict: () => Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.clone()])) };
}

const CONFIGS = [
  smallConfig({ kind: 'mhvq', codebookSize: 8, depth: 2, compose: 'sum', projection: 'learned', disentangleWeight: 0.2, ema: true }),
  smallConfig({ kind: 'rfsq', levels: [8, 5, 5, 5], depth: 3 }),
  smallConfig({ kind: 'rlfq', depth: 2, entropyWeight: 0.1 }),
];

describe('composite quantizers: export → import', () => {
  for (const cfg of CONFIGS) {
    it(`${cfg.quantizer.kind}: config and state dict round-trip`, async () => {
      const sd = randomStateDict(cfg);
      const out = path.join(dir, cfg.quantizer.kind);
      const res = await exportForPyTorch(holder(sd), cfg, out);
      expect(res.config.token_depth).toBe(cfg.quantizer.depth);
      expect(res.config.quantizer.index_order).toMatch(/last axis/);
      const imp = await importFromPyTorch(out);
      expect(imp.config.quantizer).toEqual(cfg.quantizer);
      expect(Object.keys(imp.stateDict).sort()).toEqual(Object.keys(sd).sort());
      for (const [k, t] of Object.entries(sd)) expect(await values(imp.stateDict[k]!), k).toEqual(await values(t));
      if (cfg.quantizer.kind === 'mhvq') expect((await readNpy(path.join(out, 'codebook.npy'))).shape).toEqual([2, 8, 4]);
      else expect(res.config.codebook).toBeNull();
      disposeStateDict(imp.stateDict);
      disposeStateDict(sd);
    });
  }

  it('mhvq: a projection or codebook of the wrong shape is named', () => {
    const cfg = CONFIGS[0]!;
    const sd = randomStateDict(cfg);
    const shapes: Record<string, number[]> = Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.shape]));
    expect(configProblems(cfg, 3, shapes)).toEqual([]);
    shapes['quantizer.heads.1.project_in.weight'] = [2, 4];
    delete shapes['quantizer.heads.0.embedding.weight'];
    const p = configProblems(cfg, 3, shapes);
    expect(p).toContain('quantizer.heads.1.project_in.weight is [2, 4] but the config needs [4, 4]');
    expect(p.some((s) => s.includes('quantizer.heads.0.embedding.weight is missing'))).toBe(true);
    disposeStateDict(sd);
  });
});

describe('composite quantizer configs from untrusted files are bounded', () => {
  it('names a depth out of bounds, bad levels, a missing K and too many bits', async () => {
    const { configLimitProblems } = await import('./config-limits');
    const model = { inChannels: 3, hidden: 8, latentDim: 4, stages: 2 };
    expect(configLimitProblems(model, { kind: 'rfsq', levels: [8, 5, 5, 5], depth: 3 })).toEqual([]);
    expect(configLimitProblems(model, { kind: 'rfsq', levels: [8, 5, 5, 5], depth: 1e7 })).toEqual(['quantizer.depth must be an integer in 1..64 (got 10000000)']);
    expect(configLimitProblems(model, { kind: 'rfsq', levels: [8, 1], depth: 2 }).join()).toMatch(/quantizer\.levels\[1\] must be an integer/);
    expect(configLimitProblems(model, { kind: 'mhvq', depth: 2 }).join()).toMatch(/quantizer\.codebookSize must be an integer/);
    expect(configLimitProblems({ ...model, latentDim: 40 }, { kind: 'rlfq', depth: 2 }).join()).toMatch(/rlfq with latentDim 40 implies 2\^40 codes/);
  });
});
