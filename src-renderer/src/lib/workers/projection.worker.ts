/**
 * Codebook projections off the UI thread: PCA (fast) and UMAP (slow, with progress per epoch).
 * Messages: in `{ id, method, codes, n, d }`, out `{ id, progress }` … then `{ id, points }` or
 * `{ id, error }`. The result's buffer is transferred, not copied.
 */
import { UMAP } from 'umap-js';
import { pca3, toRows } from '../logic/projection';
import type { ProjectionRequest, ProjectionReply } from './projection-protocol';

const post = (msg: ProjectionReply, transfer: Transferable[] = []): void =>
  (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(msg, transfer);

/** A small seeded generator so UMAP's layout is the same every time for the same codebook. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function umap3(req: ProjectionRequest): Promise<Float32Array> {
  const { n, d } = req;
  const out = new Float32Array(n * 3);
  if (n < 4) return out;
  const rows = toRows(req.codes, n, d);
  const umap = new UMAP({ nComponents: 3, nNeighbors: Math.max(2, Math.min(15, n - 1)), minDist: 0.1, random: mulberry32(1234) });
  const epochs = umap.initializeFit(rows);
  let last = 0;
  for (let e = 0; e < epochs; e++) {
    umap.step();
    const now = performance.now();
    if (now - last > 150) {
      last = now;
      post({ id: req.id, progress: (e + 1) / epochs });
      // Let a cancel/next request in between epochs.
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  const emb = umap.getEmbedding();
  for (let i = 0; i < n; i++) for (let j = 0; j < 3; j++) out[i * 3 + j] = emb[i]![j]!;
  return out;
}

self.onmessage = async (ev: MessageEvent<ProjectionRequest>) => {
  const req = ev.data;
  try {
    const points = req.method === 'umap' ? await umap3(req) : pca3(req.codes, req.n, req.d);
    post({ id: req.id, points }, [points.buffer]);
  } catch (err) {
    post({ id: req.id, error: (err as Error).message ?? String(err) });
  }
};
