import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

/**
 * What the browser mode reads from a request before it knows who sent it: the URL, the Host, the
 * Origin, the cookie and the Authorization header. Everything here runs before authentication,
 * so nothing here may throw, whatever bytes a client sends: a malformed value is simply "absent".
 */

export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * The request target as a URL, or null when it is not one. The target is appended to a fixed
 * origin rather than resolved against it: `new URL('//', base)` reads `//` as a scheme-relative
 * URL with an empty host and throws (that took the whole server down from an upgrade handler).
 */
export function parseRequestUrl(target: string | undefined): URL | null {
  const raw = target ?? '/';
  if (!raw.startsWith('/')) return null;
  try {
    return new URL(`http://localhost${raw}`);
  } catch {
    return null;
  }
}

/** Constant-time comparison; a missing or differently sized value is simply wrong. */
export function sameSecret(given: string | null | undefined, secret: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One cookie's value; a value that is not valid percent-encoding counts as absent (it was an HTTP 500). */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

/** `Authorization: token X` or `Authorization: Bearer X`. */
export function bearer(header: string | undefined): string | null {
  const m = header?.match(/^(?:token|bearer)\s+(\S+)$/i);
  return m ? m[1]! : null;
}

/** "[::1]:8080" → "::1", "127.0.0.1:8080" → "127.0.0.1". */
export function hostOnly(hostHeader: string): string {
  if (hostHeader.startsWith('[')) {
    const end = hostHeader.indexOf(']');
    return end > 0 ? hostHeader.slice(1, end) : '';
  }
  return hostHeader.replace(/:\d+$/, '');
}

/** DNS rebinding guard: a page on evil.example resolved to 127.0.0.1 still sends its own Host. */
export function loopbackHost(req: IncomingMessage): boolean {
  const h = req.headers.host;
  return typeof h === 'string' && LOOPBACK.has(hostOnly(h));
}

/**
 * A WebSocket is not bound by the same-origin policy, and a client that sends no Origin at all
 * (any local program, or a page that found the token) would otherwise be let in: the Origin must
 * be present and be this very server (scheme http(s), the same host and port the request was sent to).
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (typeof origin !== 'string' || typeof host !== 'string' || !host) return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host === host.toLowerCase() && origin === parsed.origin;
}
