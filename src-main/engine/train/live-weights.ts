/**
 * When a training loop hands its current weights to the views (live views while training): at
 * most every `everyMs` milliseconds, checked between steps. The first hand-over comes one period
 * after the start (the views already show the initial weights).
 */
export const DEFAULT_LIVE_WEIGHTS_MS = 3000;

export function liveWeightsGate(everyMs: number, now: () => number = () => performance.now()): () => boolean {
  if (!(everyMs > 0)) return () => false;
  let last = now();
  return () => {
    const t = now();
    if (t - last < everyMs) return false;
    last = t;
    return true;
  };
}
