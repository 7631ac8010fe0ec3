import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createReadStream, existsSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { SERVICE_EVENTS } from '../contract/index';
import type { ServiceEventSource, TokenScopeService } from '../contract/index';
import { decodeMessage, encodeMessage } from '../contract/codec';
import { RPC_PATH, TOKEN_PARAM } from '../contract/rpc';
import type { RpcReply } from '../contract/rpc';
import { dispatch } from '../service/dispatch';
import { asClient } from '../service/client-context';
import { securityHeaders } from './security-headers';
import { contentTypeOf, resolveStaticFile } from './static-files';

/**
 * Browser mode: the built renderer over HTTP and the service contract over a WebSocket, on one
 * port. Like Jupyter, it prints a URL with a random token; every HTTP request and WebSocket
 * upgrade without that token (in the query, or in the cookie the first visit sets) gets 403.
 * Bound to 127.0.0.1 unless the caller asks for another host on purpose.
 */
export interface WebServerOptions {
  service: TokenScopeService & ServiceEventSource;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Random when not given. */
  token?: string;
  /** The built renderer (`dist-web/`); defaults to `dist-web` under the working directory. */
  staticDir?: string;
}

export interface WebServer {
  /** `http://HOST:PORT/?token=…`, the URL to open. */
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
/** Large enough for a few hundred frames of tokens, small enough that a bad client can't exhaust memory. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

function bearer(header: string | undefined): string | null {
  const m = header?.match(/^(?:token|bearer)\s+(\S+)$/i);
  return m ? m[1]! : null;
}

function hostOnly(hostHeader: string): string {
  // "[::1]:8080" → "::1", "127.0.0.1:8080" → "127.0.0.1"
  if (hostHeader.startsWith('[')) return hostHeader.slice(1, hostHeader.indexOf(']'));
  return hostHeader.replace(/:\d+$/, '');
}

function formatHostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('hex');
  if (!/^[A-Za-z0-9._~-]{16,}$/.test(token)) {
    throw new Error('web server: the token must be at least 16 URL-safe characters');
  }
  const staticDir = path.resolve(opts.staticDir ?? path.join(process.cwd(), 'dist-web'));
  const loopbackOnly = LOOPBACK.has(host);
  let cookieName = 'tokenscope-token';

  /** DNS rebinding guard: a page on evil.example resolved to 127.0.0.1 still sends its own Host. */
  const hostAllowed = (req: IncomingMessage): boolean => {
    if (!loopbackOnly) return true;
    const h = req.headers.host;
    return !!h && LOOPBACK.has(hostOnly(h));
  };

  const tokenOf = (req: IncomingMessage, url: URL, allowCookie: boolean): string | null =>
    url.searchParams.get(TOKEN_PARAM) ??
    bearer(req.headers.authorization) ??
    (allowCookie ? cookieValue(req.headers.cookie, cookieName) : null);

  const refuse = (res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`${status}: ${text}\n`);
  };

  const handleHttp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!hostAllowed(req)) return refuse(res, 403, 'unexpected Host header');
    if (!sameToken(tokenOf(req, url, true), token)) {
      return refuse(res, 403, 'missing or wrong token: open the URL that `tokenscope serve` printed');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const headers: Record<string, string> = { ...securityHeaders() };
    if (url.searchParams.get(TOKEN_PARAM)) {
      // The first visit carries the token in its URL; the page's own assets then ride on this cookie.
      headers['Set-Cookie'] = `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict`;
    }
    if (!existsSync(staticDir)) {
      return refuse(res, 503, `the renderer is not built (no ${path.basename(staticDir)}/): run \`npm run build:web\``);
    }
    const file = await resolveStaticFile(staticDir, url.pathname);
    if (!file) return refuse(res, 404, 'not found');
    headers['Content-Type'] = contentTypeOf(file);
    headers['Cache-Control'] = file.endsWith('.html') ? 'no-store' : 'private, max-age=3600';
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const sockets = new Set<WebSocket>();
  let connections = 0;

  const serve = (ws: WebSocket): void => {
    sockets.add(ws);
    // Each connection is one client: the service records which one started or stopped what.
    const clientId = `ws-${++connections}`;
    const send = (value: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(encodeMessage(value));
    };
    const unsubscribe = SERVICE_EVENTS.map((event) =>
      opts.service.on(event, (payload) => send({ event, payload })),
    );
    ws.on('message', (data, isBinary) => {
      let id = -1;
      void (async () => {
        let reply: RpcReply;
        try {
          if (!isBinary) throw new Error('expected a binary message');
          const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
          const msg = decodeMessage(bytes) as { id?: unknown; method?: unknown; params?: unknown };
          if (typeof msg?.id !== 'number') throw new Error('request without a numeric id');
          id = msg.id;
          reply = { id, result: await asClient(clientId, () => dispatch(opts.service, msg.method, msg.params ?? [])) };
        } catch (err) {
          reply = { id, error: { message: (err as Error)?.message ?? String(err) } };
        }
        try {
          send(reply);
        } catch (err) {
          // A result the codec can't carry is the service's bug; tell the client rather than hang it.
          send({ id, error: { message: `cannot send the result: ${(err as Error).message}` } });
        }
      })();
    });
    ws.on('close', () => {
      sockets.delete(ws);
      unsubscribe.forEach((off) => off());
    });
    ws.on('error', () => ws.terminate());
  };

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((err) => {
      if (!res.headersSent) refuse(res, 500, (err as Error).message);
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const deny = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== RPC_PATH) return deny(404, 'Not Found');
    if (!hostAllowed(req)) return deny(403, 'Forbidden');
    // A WebSocket is not bound by the same-origin policy: a page from another origin must not
    // reach the service even if the browser would send our cookie, so the token must be explicit
    // and the Origin, when the browser sends one, must be ours.
    if (!sameToken(tokenOf(req, url, false), token)) return deny(403, 'Forbidden');
    const origin = req.headers.origin;
    if (origin) {
      let originHost = '';
      try {
        originHost = new URL(origin).host;
      } catch {
        return deny(403, 'Forbidden');
      }
      if (originHost !== req.headers.host) return deny(403, 'Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  cookieName = `tokenscope-token-${address.port}`; // cookies ignore ports: one name per server
  const url = `http://${formatHostForUrl(host)}:${address.port}/?${TOKEN_PARAM}=${token}`;

  return {
    url,
    host: address.address,
    port: address.port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
