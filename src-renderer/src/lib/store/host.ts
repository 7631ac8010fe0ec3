/**
 * What every part of the renderer store shares: the service client (absent until connected), the
 * toast line for failures, and `run` (one service call, a failure becomes a toast and null). The
 * parts (frames, selection, codebook, timeline, training, predictions) each take the narrow view of
 * their host they need, so a test can hand them a fake client and a fake host.
 */
import type { TokenScopeClient } from '../../../../src-main/contract/index';
import { SERVICE_METHODS } from '../../../../src-main/contract/index';

export interface StoreHost {
  readonly client: TokenScopeClient | null;
  toast(text: string, kind?: 'error' | 'info'): void;
}

// The service names the method a message comes from ("getTokens: …"), which helps in logs and the
// CLI but reads as jargon in a panel.
const METHOD_PREFIX = new RegExp(`^(?:${SERVICE_METHODS.join('|')}): `);

export function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(METHOD_PREFIX, '');
}

/** Runs one service call; a failure becomes a toast (one clear line) and null. */
export async function runCall<T>(host: StoreHost, fn: (c: TokenScopeClient) => Promise<T>): Promise<T | null> {
  const c = host.client;
  if (!c) {
    host.toast('not connected to the TokenScope service');
    return null;
  }
  try {
    return await fn(c);
  } catch (e) {
    host.toast(messageOf(e));
    return null;
  }
}
