import type { BackendStatus } from '../contract/index';

/** The first line of every command that computes: which backend runs it, and why that one. */
export function bannerLine(backend: BackendStatus | null, version: string): string {
  if (!backend) return `tokenscope ${version} · no compute backend yet`;
  return `tokenscope ${version} · backend: ${backend.name} (${backend.reason})`;
}
