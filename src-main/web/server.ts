import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createReadStream, existsSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
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
import { PathPolicy } from './path-policy';
import { withPathPolicy } from './path-guarded-service';
import { bearer, cookieValue, LOOPBACK, loopbackHost, parseRequestUrl, sameOrigin, sameSecret } from './credentials';

/**
 * Browser mode: the built renderer over HTTP and the service contract over a WebSocket, on one
 * port. Like Jupyter, it prints a URL with a random token; every HTTP request without that token
 * (or the page-scoped asset cookie its first visit sets) and every WebSocket upgrade without the
 * token and this server's own Origin gets 403.
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
  /** What a client may read and write on disk (path-policy.ts); without one, no path at all. */
  paths?: PathPolicy;
}

export interface WebServer {
  /** `http://HOST:PORT/?token=…`, the URL to open. */
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** Large enough for a few hundred frames of tokens, small enough that a bad client can't exhaust memory. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Lets the browser fetch the page's assets; scoped to the page's random path (see `scope`). */
const ASSET_COOKIE = 'tokenscope-assets';

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
  const service = withPathPolicy(opts.service, opts.paths ?? (await PathPolicy.create({ roots: [] })));
  // The page and its assets live under a random path, and the cookie that lets the browser fetch
  // the assets is scoped to that path and carries its own key, never the token: cookies ignore
  // ports, so any other server on 127.0.0.1 would receive a cookie scoped to `/`. The service
  // itself (the WebSocket) takes only the token, which the page keeps and sends explicitly.
  const scope = `/s/${randomBytes(12).toString('base64url')}/`;
  const assetKey = randomBytes(24).toString('hex');
  const hostAllowed = (req: IncomingMessage): boolean => !loopbackOnly || loopbackHost(req);
  const explicitToken = (req: IncomingMessage, url: URL): string | null => url.searchParams.get(TOKEN_PARAM) ?? bearer(req.headers.authorization);

  const refuse = (res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`${status}: ${text}\n`);
  };

  const handleHttp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = parseRequestUrl(req.url);
    if (!url) return refuse(res, 400, 'malformed request target');
    if (!hostAllowed(req)) return refuse(res, 403, 'unexpected Host header');
    const inScope = url.pathname.startsWith(scope);
    const tokenOk = sameSecret(explicitToken(req, url), token);
    const cookieOk = inScope && sameSecret(cookieValue(req.headers.cookie, ASSET_COOKIE), assetKey);
    if (!tokenOk && !cookieOk) {
      return refuse(res, 403, 'missing or wrong token: open the URL that `tokenscope serve` printed');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const cookie = `${ASSET_COOKIE}=${assetKey}; Path=${scope}; HttpOnly; SameSite=Strict`;
    if (!inScope) {
      if (url.pathname !== '/') return refuse(res, 404, 'not found');
      // The printed URL: move to the page's own path, keeping the query the page reads its token from.
      res.writeHead(303, { ...securityHeaders(), Location: `${scope}${url.search}`, 'Set-Cookie': cookie, 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    const headers: Record<string, string> = { ...securityHeaders() };
    // The first visit carries the token; the page's own assets then ride on this cookie.
    if (tokenOk) headers['Set-Cookie'] = cookie;
    if (!existsSync(staticDir)) {
      return refuse(res, 503, `the renderer is not built (no ${path.basename(staticDir)}/): run \`npm run build:web\``);
    }
    const file = await resolveStaticFile(staticDir, `/${url.pathname.slice(scope.length)}`);
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
          reply = { id, result: await asClient(clientId, () => dispatch(service, msg.method, msg.params ?? [])) };
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

  // Runs before authentication: it must survive any request (a path of `//` once killed the process).
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const deny = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = parseRequestUrl(req.url);
    if (!url) return deny(400, 'Bad Request');
    if (url.pathname !== RPC_PATH) return deny(404, 'Not Found');
    if (!hostAllowed(req)) return deny(403, 'Forbidden');
    // Never the cookie: the token must be explicit, and the Origin present and ours, so that
    // neither a page of another origin nor a local program without an Origin reaches the service.
    if (!sameSecret(explicitToken(req, url), token)) return deny(403, 'Forbidden');
    if (!sameOrigin(req)) return deny(403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that resets the connection mid-upgrade must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    try {
      upgrade(req, socket, head);
    } catch {
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
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
