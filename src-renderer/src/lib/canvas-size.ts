/** A canvas's CSS size and the device pixel ratio its backing store was sized for. */
export interface CanvasSize {
  w: number;
  h: number;
  dpr: number;
}

/**
 * Keeps a canvas's backing store at its displayed size × devicePixelRatio (sharp on HiDPI
 * screens) as `observed` (the canvas or its host element) resizes, and reports each new size.
 * Returns the function that stops watching.
 */
export function trackCanvasSize(canvas: HTMLCanvasElement, observed: Element, onSize: (size: CanvasSize) => void): () => void {
  const ro = new ResizeObserver(() => {
    const r = observed.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(r.width * dpr));
    canvas.height = Math.max(1, Math.round(r.height * dpr));
    onSize({ w: r.width, h: r.height, dpr });
  });
  ro.observe(observed);
  return () => ro.disconnect();
}
