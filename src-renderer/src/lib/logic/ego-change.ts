import type { TokenFrame } from '../../../../src-main/contract/index';

/**
 * What a frame's tokens are compared with for the token-change overlay and sparkline: the
 * previous frame's tokens moved into this frame's ego frame when the service sent them (sources
 * with ego poses), so the car's own motion does not count as change; else the previous frame's.
 */
export function previousForChange(t: TokenFrame | null | undefined, prev: TokenFrame | null | undefined): TokenFrame | null {
  if (t?.previousAligned && t.previousAligned.length === t.indices.length) return { ...t, indices: t.previousAligned };
  return prev ?? null;
}
