import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pcaProjection } from './projection';

/** Seeded normal samples (Box–Muller over a small LCG) so the test data is the same every run. */
function gaussians(n: number, seed = 1): Float64Array {
  let s = seed >>> 0;
  const u = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/** 300 codes in 6-D whose variance is 25, 9, 1, 0.01… along a rotated basis. */
function anisotropic(n = 300, d = 6): { codes: Float32Array; axes: number[][] } {
  const z = gaussians(n * d, 7);
  const scales = [5, 3, 1, 0.1, 0.1, 0.1];
  // A fixed orthonormal basis: Householder reflection of the identity.
  const v = [1, 2, 0, -1, 1, 1];
  const vv = v.reduce((a, b) => a + b * b, 0);
  const axes = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0) - (2 * v[i]! * v[j]!) / vv));
  const codes = new Float32Array(n * d);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < d; j++) {
      let x = 3; // an offset PCA must remove
      for (let i = 0; i < d; i++) x += z[k * d + i]! * scales[i]! * axes[i]![j]!;
      codes[k * d + j] = x;
    }
  }
  return { codes, axes };
}

describe('pcaProjection (the one projection the views and the API share)', () => {
  it('recovers the largest-variance directions in order', () => {
    const { codes } = anisotropic();
    const p = pcaProjection(codes, 300, 6);
    const variance = [0, 1, 2].map((a) => {
      let m = 0;
      let s = 0;
      for (let i = 0; i < 300; i++) m += p[i * 3 + a]! / 300;
      for (let i = 0; i < 300; i++) s += (p[i * 3 + a]! - m) ** 2 / 299;
      return s;
    });
    expect(variance[0]).toBeGreaterThan(15);
    expect(variance[0]! / variance[1]!).toBeGreaterThan(1.8);
    expect(variance[1]! / variance[2]!).toBeGreaterThan(4);
  });

  it('handles fewer than 3 dimensions and tiny codebooks', () => {
    const two = pcaProjection(new Float32Array([0, 0, 1, 2, 2, 4, 3, 6]), 4, 2);
    expect(Array.from(two.filter((_, i) => i % 3 === 2))).toEqual([0, 0, 0, 0]);
    expect(new Set(Array.from(two.filter((_, i) => i % 3 === 0))).size).toBe(4);
    expect(pcaProjection(new Float32Array([1, 2, 3]), 1, 3).length).toBe(3);
  });

  it('gives every axis a positive third moment, so the layout does not flip between runs', () => {
    const { codes } = anisotropic();
    const p = pcaProjection(codes, 300, 6);
    for (let a = 0; a < 3; a++) {
      let m3 = 0;
      for (let i = 0; i < 300; i++) m3 += p[i * 3 + a]! ** 3;
      expect(m3).toBeGreaterThan(0);
    }
  });

  const python = '/usr/bin/python3';
  const hasNumpy = existsSync(python) && (() => {
    try {
      execFileSync(python, ['-c', 'import numpy'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasNumpy)('matches numpy SVD up to the sign of each component (skipped without /usr/bin/python3 + numpy)', () => {
    const { codes } = anisotropic(200, 6);
    const ours = pcaProjection(codes, 200, 6);
    const script = `
import sys, json, numpy as np
x = np.array(json.load(sys.stdin), dtype=np.float64).reshape(200, 6)
x = x - x.mean(0)
u, s, vt = np.linalg.svd(x, full_matrices=False)
print(json.dumps((x @ vt[:3].T).ravel().tolist()))`;
    const ref = JSON.parse(execFileSync(python, ['-c', script], { input: JSON.stringify(Array.from(codes)) }).toString()) as number[];
    for (let a = 0; a < 3; a++) {
      let dot = 0;
      let n1 = 0;
      let n2 = 0;
      for (let i = 0; i < 200; i++) {
        dot += ours[i * 3 + a]! * ref[i * 3 + a]!;
        n1 += ours[i * 3 + a]! ** 2;
        n2 += ref[i * 3 + a]! ** 2;
      }
      expect(Math.abs(dot) / Math.sqrt(n1 * n2)).toBeGreaterThan(0.9999);
      expect(Math.sqrt(n1 / n2)).toBeCloseTo(1, 3);
    }
  });
});

