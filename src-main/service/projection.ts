import { PCA } from 'ml-pca';
import { UMAP } from 'umap-js';
import { Rng } from '../util/rng';
import type { ProgressFn } from './jobs';

/**
 * 3D coordinates for every code of a codebook `[K, D]`, for the 3D view: PCA (instant, the
 * default) or UMAP (seeded, with progress; slower). Fewer than 3 dimensions are padded with
 * zeros. Returns `[K, 3]` float32 in the codes' order.
 */
function rowsOf(codes: Float32Array, k: number, d: number): number[][] {
  const rows: number[][] = new Array(k);
  for (let i = 0; i < k; i++) rows[i] = Array.from(codes.subarray(i * d, (i + 1) * d));
  return rows;
}

function toPoints(rows: ArrayLike<ArrayLike<number>>, k: number, dims: number): Float32Array {
  const out = new Float32Array(k * 3);
  for (let i = 0; i < k; i++) for (let j = 0; j < Math.min(3, dims); j++) out[i * 3 + j] = rows[i]![j]!;
  return out;
}

/**
 * The one projection the app, the CLI and the API all show (the renderer asks the service for it
 * rather than computing its own): the first three principal components, each axis' sign fixed
 * (positive third moment) so the layout, and the token colours taken from it, are the same on
 * every run and after a retrain that barely moved the codes.
 */
export function pcaProjection(codes: Float32Array, k: number, d: number): Float32Array {
  if (codes.length !== k * d) throw new Error(`PCA: ${codes.length} values for a ${k}×${d} codebook`);
  if (k < 2 || d < 2) return toPoints(rowsOf(codes, k, d), k, d);
  // The covariance route costs O(K·D² + D³): a 65,536 × 64 codebook takes well under a second.
  const rows = rowsOf(codes, k, d);
  const pca = new PCA(rows, { method: 'covarianceMatrix', center: true, scale: false });
  const n = Math.min(3, d);
  const projected = pca.predict(rows, { nComponents: n }).to2DArray();
  return fixSigns(toPoints(projected, k, n), k);
}

/** Eigenvector signs are arbitrary: make each axis' third moment positive. */
function fixSigns(points: Float32Array, n: number): Float32Array {
  for (let a = 0; a < 3; a++) {
    let m3 = 0;
    for (let i = 0; i < n; i++) m3 += points[i * 3 + a]! ** 3;
    if (m3 < 0) for (let i = 0; i < n; i++) points[i * 3 + a] = -points[i * 3 + a]!;
  }
  return points;
}

export async function umapProjection(codes: Float32Array, k: number, d: number, seed: number, progress: ProgressFn): Promise<Float32Array> {
  if (codes.length !== k * d) throw new Error(`UMAP: ${codes.length} values for a ${k}×${d} codebook`);
  if (k < 4) return pcaProjection(codes, k, d);
  const rng = new Rng(seed);
  const umap = new UMAP({
    nComponents: 3,
    nNeighbors: Math.min(15, k - 1),
    minDist: 0.1,
    // Fewer epochs for big codebooks: the layout settles early and K = 65,536 must stay minutes, not hours.
    nEpochs: k > 20_000 ? 100 : k > 5_000 ? 200 : 400,
    random: () => rng.next(),
  });
  const rows = rowsOf(codes, k, d);
  const total = umap.initializeFit(rows);
  progress(0, total, 'UMAP');
  for (let epoch = 0; epoch < total; epoch++) {
    umap.step();
    if (epoch % 10 === 9) {
      progress(epoch + 1, total, 'UMAP');
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  progress(total, total, 'UMAP');
  return toPoints(umap.getEmbedding(), k, 3);
}
