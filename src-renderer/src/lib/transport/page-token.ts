/**
 * The browser mode's access token, kept by the page rather than by a cookie: cookies ignore
 * ports, so a cookie would reach every other server on 127.0.0.1. The page takes the token from
 * the URL `tokenscope serve` printed, removes it from the address bar (history, screenshots,
 * copied links) and keeps it in sessionStorage, which is per origin (scheme, host and port) and
 * per tab, so a reload still connects and no other local server can read it.
 */
import { TOKEN_PARAM } from '../../../../src-main/contract/rpc';

const STORAGE_KEY = 'tokenscope-token';

/** The parts of `window` this needs, so that tests can pass their own. */
export interface PageContext {
  location: { href: string };
  history: { replaceState(data: unknown, unused: string, url?: string): void };
  sessionStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void } | null;
}

export function takePageToken(page: PageContext): string | null {
  const url = new URL(page.location.href);
  const fromUrl = url.searchParams.get(TOKEN_PARAM);
  if (fromUrl) {
    try {
      page.sessionStorage?.setItem(STORAGE_KEY, fromUrl);
    } catch {
      // Storage can be disabled; the token then lives only in this page's memory (no reload).
    }
    url.searchParams.delete(TOKEN_PARAM);
    page.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return page.sessionStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}
