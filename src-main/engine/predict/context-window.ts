import { frameSize, type TokenVolume } from './token-volume';

/**
 * The k frames before frame `t` of `v`, oldest first, as `[k, h, w, depth]` ids. Before the
 * start of the sequence the first frame is repeated (the world is taken to have stood still),
 * so every frame from 1 on can be predicted and rollouts may start anywhere.
 */
export function contextBefore(v: TokenVolume, t: number, k: number, out?: Int32Array): Int32Array {
  if (!Number.isInteger(t) || t < 1 || t > v.frames) {
    throw new RangeError(`context before frame ${t}: needs 1 ≤ t ≤ ${v.frames} (at least one earlier frame)`);
  }
  const n = frameSize(v);
  const dst = out ?? new Int32Array(k * n);
  for (let j = 0; j < k; j++) {
    const src = Math.max(0, t - k + j);
    dst.set(v.data.subarray(src * n, (src + 1) * n), j * n);
  }
  return dst;
}
