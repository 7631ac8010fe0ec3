import { describe, expect, it } from 'vitest';
import { takePageToken } from './page-token';
import type { PageContext } from './page-token';

/** A page as the browser would give it: an address, a history and this origin's sessionStorage. */
function fakePage(href: string, storage: Map<string, string> | null = new Map()) {
  const page = {
    location: { href },
    replaced: [] as string[],
    history: {
      replaceState(_data: unknown, _unused: string, url?: string) {
        page.replaced.push(url ?? '');
        page.location.href = new URL(url ?? '', page.location.href).toString();
      },
    },
    sessionStorage: storage && {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
    },
  };
  return page satisfies PageContext;
}

describe('the page keeps the access token, not the address bar (issue 12, finding 6)', () => {
  it('takes the token from the URL and removes it from the address, keeping the path, other parameters and hash', () => {
    const page = fakePage('http://127.0.0.1:4000/s/abc/?token=secret-0123456789abcdef&view=3#frame');
    expect(takePageToken(page)).toBe('secret-0123456789abcdef');
    expect(page.replaced).toEqual(['/s/abc/?view=3#frame']);
    expect(page.location.href).not.toContain('secret');
  });

  it('finds the token again after a reload of the cleaned address (same origin, same tab)', () => {
    const storage = new Map<string, string>();
    expect(takePageToken(fakePage('http://127.0.0.1:4000/s/abc/?token=t1-0123456789abcdef', storage))).toBe('t1-0123456789abcdef');
    const reloaded = fakePage('http://127.0.0.1:4000/s/abc/', storage);
    expect(takePageToken(reloaded)).toBe('t1-0123456789abcdef');
    expect(reloaded.replaced).toEqual([]);
  });

  it('has no token for a page opened without one, and works without storage (token in memory only)', () => {
    expect(takePageToken(fakePage('http://127.0.0.1:4000/s/abc/'))).toBeNull();
    const noStorage = fakePage('http://127.0.0.1:4000/s/abc/?token=t2-0123456789abcdef', null);
    expect(takePageToken(noStorage)).toBe('t2-0123456789abcdef');
    expect(noStorage.location.href).toBe('http://127.0.0.1:4000/s/abc/');
  });
});
