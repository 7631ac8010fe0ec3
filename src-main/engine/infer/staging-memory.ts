/**
 * Float32 staging memory kept from one whole-sequence encode to the next, a few seconds at most.
 * Fresh multi-MiB arrays pay a first-touch page fault per 4 KiB page (slow on a small VM, see
 * `InferencePool.stage`), and an inference worker encodes the same-sized batches over and over
 * (one request per slice, back to back): an Occ3D-size batch of 4 frames is 82 MB, two of them per
 * encode. So the buffers an encode used are kept for the next and dropped when none has come for
 * `STAGING_KEEP_MS` (an unref'd timer: never keeps the process alive).
 *
 * Only buffers no read can still write to may be given back: a caller whose encode failed with a
 * read in flight drops its buffers instead (the read would land in the next encode's frames).
 */
export const STAGING_KEEP_MS = 5000;
/** At most this many buffers are kept (an encode uses two). */
const KEEP = 2;

let kept: Float32Array[] = [];
let timer: NodeJS.Timeout | undefined;

/** `length` float32s: a view on a kept buffer when one is large enough (contents undefined), else fresh. */
export function takeStaging(length: number): Float32Array {
  let best = -1;
  for (let i = 0; i < kept.length; i++) {
    if (kept[i]!.length >= length && (best < 0 || kept[i]!.length < kept[best]!.length)) best = i;
  }
  if (best < 0) return new Float32Array(length);
  const buf = kept.splice(best, 1)[0]!;
  return buf.length === length ? buf : buf.subarray(0, length);
}

/** Gives back what `takeStaging` returned, for the next encode; the largest `KEEP` are kept. */
export function giveBackStaging(...bufs: Array<Float32Array | undefined>): void {
  for (const b of bufs) {
    if (!b || b.buffer.byteLength === 0 || b.buffer instanceof SharedArrayBuffer) continue;
    kept.push(new Float32Array(b.buffer, 0, b.buffer.byteLength / Float32Array.BYTES_PER_ELEMENT));
  }
  kept.sort((a, b) => b.length - a.length);
  kept.length = Math.min(kept.length, KEEP);
  clearTimeout(timer);
  timer = setTimeout(dropStaging, STAGING_KEEP_MS);
  timer.unref();
}

/** Drops every kept buffer now. */
export function dropStaging(): void {
  clearTimeout(timer);
  timer = undefined;
  kept = [];
}

/** Float32s kept now; for tests. */
export function keptStaging(): number {
  return kept.reduce((s, b) => s + b.length, 0);
}
