/** Sliding-window codebook health against brute force over the same window. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import { bitsPerToken, CodebookHealth, compressionRatio } from './codebook-health';

/** Utilization / perplexity / dead codes of a flat list of codes, computed directly. */
function brute(codes: number[], K: number) {
  const counts = new Map<number, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / codes.length) * Math.log(n / codes.length);
  return { used: counts.size, perplexity: Math.exp(h), dead: K - counts.size };
}

function batch(rng: Rng, n: number, K: number, spread: number): Int32Array {
  // Skewed usage: most tokens on a few codes, as a collapsing codebook does.
  return Int32Array.from({ length: n }, () => Math.min(K - 1, Math.floor(K * rng.next() ** spread)));
}

describe('CodebookHealth', () => {
  it('matches brute force over exactly the last W batches, after the window has rolled', () => {
    const K = 64;
    const W = 4;
    const health = new CodebookHealth(K, { windowBatches: W });
    const rng = new Rng(1);
    const batches: Int32Array[] = [];
    for (let b = 0; b < 9; b++) {
      const x = batch(rng, 40, K, 1 + b * 0.5);
      batches.push(x);
      health.push(x);
      const recent = batches.slice(-W).flatMap((a) => Array.from(a));
      const want = brute(recent, K);
      const got = health.summary();
      expect(got.batches).toBe(Math.min(b + 1, W));
      expect(got.tokens).toBe(recent.length);
      expect(got.utilization).toBeCloseTo(want.used / K, 12);
      expect(got.deadCodes).toBe(want.dead);
      expect(got.perplexity).toBeCloseTo(want.perplexity, 9);
    }
    const usage = health.usage();
    expect(usage.reduce((a, b) => a + b, 0)).toBe(4 * 40);
  });

  it('a window sees more codes than one batch can: perplexity of 8 batches of 16 distinct codes is 128', () => {
    const health = new CodebookHealth(512, { windowBatches: 8 });
    for (let b = 0; b < 8; b++) health.push(Int32Array.from({ length: 16 }, (_, i) => b * 16 + i));
    const s = health.summary();
    expect(s.perplexity).toBeCloseTo(128, 9);
    expect(s.utilization).toBe(128 / 512);
    expect(s.deadCodes).toBe(384);
  });

  it('depth > 1: levels counted separately from [N, depth] rows; dead codes summed, perplexity averaged', () => {
    const health = new CodebookHealth(4, { depth: 2, windowBatches: 2 });
    // Level 0 uses codes 0,1 evenly; level 1 uses only code 3.
    health.push([0, 3, 1, 3, 0, 3, 1, 3]);
    const s = health.summary();
    expect(s.tokens).toBe(4);
    expect(s.deadCodes).toBe(2 + 3);
    expect(s.utilization).toBe(3 / 8);
    expect(s.perplexity).toBeCloseTo((2 + 1) / 2, 12);
    expect(Array.from(health.usage(1))).toEqual([0, 0, 0, 4]);
  });

  it('huge implicit codebooks count sparsely, same figures', () => {
    const K = 2 ** 24;
    const health = new CodebookHealth(K, { windowBatches: 3 });
    const rng = new Rng(5);
    const all: number[] = [];
    for (let b = 0; b < 5; b++) {
      const x = Int32Array.from({ length: 30 }, () => rng.int(50) * 99991);
      all.push(...x);
      health.push(x);
    }
    const want = brute(all.slice(-90), K);
    const s = health.summary();
    expect(s.deadCodes).toBe(want.dead);
    expect(s.perplexity).toBeCloseTo(want.perplexity, 9);
    expect(health.usedCodes().codes.length).toBe(want.used);
    expect(() => health.usage()).toThrow(/too large/);
  });

  it('bad indices fail with one clear message', () => {
    const health = new CodebookHealth(8, { depth: 2 });
    expect(() => health.push([0, 1, 2])).toThrow('3 indices are not a whole number of tokens of depth 2');
    expect(() => health.push([0, 8])).toThrow('index 8 at position 1 is outside the codebook (0..7)');
  });
});

describe('bits per token and compression ratio', () => {
  it('reference step: 16×64×64 float32 frame → 16×16 tokens of K = 512 is 32·65536 / (256·9)', () => {
    expect(bitsPerToken(512)).toBe(9);
    expect(bitsPerToken(16, 3)).toBe(12);
    expect(compressionRatio({ inputValues: 16 * 64 * 64, tokens: 16 * 16, codebookSize: 512 })).toBeCloseTo((32 * 65536) / (256 * 9), 9);
    expect(compressionRatio({ inputValues: 100, tokens: 10, codebookSize: 1000, depth: 1 })).toBeCloseTo(3200 / (10 * Math.log2(1000)), 9);
    expect(() => compressionRatio({ inputValues: 100, tokens: 10, codebookSize: 1 })).toThrow(/must be positive/);
  });
});
