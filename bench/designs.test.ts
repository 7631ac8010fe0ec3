/**
 * Smoke test of `npm run bench:designs`: every design of the table runs 2 steps on a tiny
 * reference step and scene, and the printed table has one row per design with its figures.
 */
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src-main/engine/backend';
import { DESIGNS, formatTable, runDesignBench, type DesignBenchOptions } from './designs';

const TINY: DesignBenchOptions = {
  timing: { batch: 2, size: 16, channels: 4, hidden: 8, latent: 8, codebook: 16, stages: 2, steps: 2, warmup: 0, rounds: 1 },
  compare: { frames: 4, size: 32, batch: 2, crop: 16, hidden: 8, latent: 8, codebook: 16, steps: 2, lr: 3e-3, seed: 1 },
};

describe('bench:designs (2 steps)', () => {
  it('runs every design and prints a row each with step ratio, utilization, perplexity, dead codes and mIoU', async () => {
    await initBackend({ prefer: ['wasm'] });
    const rows = await runDesignBench(TINY);
    expect(rows.map((r) => r.name)).toEqual(DESIGNS.map((d) => d.name));
    for (const r of rows) {
      expect(r.error, r.name).toBeUndefined();
      expect(r.stepMs, r.name).toBeGreaterThan(0);
      expect(r.utilization, r.name).toBeGreaterThan(0);
      expect(r.utilization, r.name).toBeLessThanOrEqual(1);
      expect(r.perplexity, r.name).toBeGreaterThanOrEqual(1);
      expect(r.miou, r.name).toBeGreaterThanOrEqual(0);
      expect(r.miou, r.name).toBeLessThanOrEqual(1);
    }
    expect(rows[0]!.ratio).toBe(1);
    // Composite designs have depth > 1: more bits per token than one plain code of the same K.
    const mh = rows.find((r) => r.kind === 'mhvq')!;
    expect(mh.bitsPerToken).toBeGreaterThan(rows[0]!.bitsPerToken);
    const table = formatTable(rows);
    expect(table.split('\n')).toHaveLength(DESIGNS.length + 2);
    expect(table).toContain('mIoU');
    expect(table).toContain('residual FSQ');
  });
});
