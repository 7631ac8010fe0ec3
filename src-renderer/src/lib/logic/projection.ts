/**
 * The geometry the 3D view needs, as plain functions of typed arrays. The projection itself is
 * the service's (`projectCodebook`): one implementation for the app, the CLI and the API.
 */

/** Centres `[n, 3]` points on their mean and scales them into the unit ball (for the camera). */
export function normalizePoints(points: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * 3);
  if (n === 0) return out;
  const mean = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let a = 0; a < 3; a++) mean[a]! += points[i * 3 + a]! / n;
  let r = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let a = 0; a < 3; a++) {
      const v = points[i * 3 + a]! - mean[a]!;
      out[i * 3 + a] = v;
      s += v * v;
    }
    r = Math.max(r, Math.sqrt(s));
  }
  if (r > 0) for (let i = 0; i < out.length; i++) out[i]! /= r;
  return out;
}

/**
 * Index of the point whose screen position is nearest to (x, y) within `radius` pixels, or -1.
 * `mvp` is a column-major 4×4 (three.js `elements`) taking points to clip space; screen y goes down.
 * Screen-space picking matches what the user sees regardless of point size, and costs one
 * matrix-vector product per point (about 1 ms for 65,536 codes).
 */
export function pickNearestOnScreen(
  points: Float32Array,
  n: number,
  mvp: ArrayLike<number>,
  width: number,
  height: number,
  x: number,
  y: number,
  radius: number,
): number {
  const m = mvp;
  let best = -1;
  let bestD = radius * radius;
  let bestDepth = Infinity;
  for (let i = 0; i < n; i++) {
    const px = points[i * 3]!;
    const py = points[i * 3 + 1]!;
    const pz = points[i * 3 + 2]!;
    const cw = m[3]! * px + m[7]! * py + m[11]! * pz + m[15]!;
    if (cw <= 0) continue;
    const cx = (m[0]! * px + m[4]! * py + m[8]! * pz + m[12]!) / cw;
    const cy = (m[1]! * px + m[5]! * py + m[9]! * pz + m[13]!) / cw;
    const cz = (m[2]! * px + m[6]! * py + m[10]! * pz + m[14]!) / cw;
    const sx = ((cx + 1) / 2) * width;
    const sy = ((1 - cy) / 2) * height;
    const d = (sx - x) ** 2 + (sy - y) ** 2;
    // Prefer the nearest on screen; among (almost) equal ones, the one in front.
    if (d < bestD - 1e-6 || (Math.abs(d - bestD) <= 1e-6 && cz < bestDepth)) {
      best = i;
      bestD = d;
      bestDepth = cz;
    }
  }
  return best;
}

/** Point size per code from its usage: log-scaled between `min` and `max` pixels. */
export function sizesFromUsage(usage: Float32Array, min = 2, max = 9): Float32Array {
  let top = 0;
  for (const u of usage) if (u > top) top = u;
  const out = new Float32Array(usage.length);
  const denom = Math.log1p(top) || 1;
  for (let i = 0; i < usage.length; i++) out[i] = min + ((max - min) * Math.log1p(Math.max(0, usage[i]!))) / denom;
  return out;
}

/** Usage counts as colour parameter t in [0, 1] (log scale), for the "colour by usage" mode. */
export function usageToUnit(usage: Float32Array): Float32Array {
  let top = 0;
  for (const u of usage) if (u > top) top = u;
  const denom = Math.log1p(top) || 1;
  return usage.map((u) => Math.log1p(Math.max(0, u)) / denom);
}
