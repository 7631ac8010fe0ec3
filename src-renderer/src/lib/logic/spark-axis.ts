/**
 * Where frame i sits along a sparkline, and which frame a pointer is over. The inset matches the
 * timeline slider's thumb radius, so the sparklines' points line up with the slider's positions
 * when both span the same column (Timeline.svelte).
 */
export const SLIDER_THUMB_INSET = 8;

export function sparkX(i: number, n: number, width: number, inset = SLIDER_THUMB_INSET): number {
  return n <= 1 ? width / 2 : inset + (i / (n - 1)) * (width - 2 * inset);
}

/** The nearest frame to an x offset (clamped to the sequence). */
export function sparkIndexAt(x: number, n: number, width: number, inset = SLIDER_THUMB_INSET): number {
  if (n <= 1) return 0;
  const f = (x - inset) / Math.max(1, width - 2 * inset);
  return Math.min(n - 1, Math.max(0, Math.round(f * (n - 1))));
}

/** The hover readout: `frame 7: 0.123` (or `no value`). */
export function sparkReadout(label: string, i: number, v: number | undefined): string {
  return `${label} · frame ${i + 1}: ${v !== undefined && Number.isFinite(v) ? Number(v.toPrecision(3)) : 'no value yet'}`;
}
