import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { createWorkspace } from '../service/workspace';
import type { Workspace } from '../service/workspace';
import { startWebServer } from './server';
import type { WebServer } from './server';
import { decodeMessage, encodeMessage } from '../contract/codec';
import { connectWebSocket, rpcUrlFor, rpcUrlFromPage } from '../../src-renderer/src/lib/transport/ws-client';
import { nodeSocket } from './node-socket';
import type { AppStatus, TrainProgress } from '../contract/index';

let workspace: Workspace;
let server: WebServer;
let staticDir: string;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so that the path and the Host header go out exactly as written. */
function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: pathAndQuery, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const rpcUrl = (token: string | null) => `ws://127.0.0.1:${server.port}/rpc${token === null ? '' : `?token=${token}`}`;
const ownOrigin = () => `http://127.0.0.1:${server.port}`;

/** Opens a WebSocket and resolves with the HTTP status of a refused upgrade, or 101 when accepted. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => undefined);
  });
}

/** Sends raw requests over an accepted WebSocket and collects the replies by id. */
async function rawCall(messages: unknown[]): Promise<Map<number, { result?: unknown; error?: { message: string } }>> {
  const ws = new WebSocket(rpcUrl(server.token), { origin: ownOrigin() });
  await new Promise((r) => ws.on('open', r));
  const replies = new Map<number, { result?: unknown; error?: { message: string } }>();
  const done = new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      const msg = decodeMessage(data as Buffer) as { id?: number; event?: string };
      if (typeof msg.id === 'number') replies.set(msg.id, msg as never);
      if (replies.size === messages.length) resolve();
    });
  });
  for (const m of messages) ws.send(encodeMessage(m));
  await done;
  ws.close();
  return replies;
}

beforeAll(async () => {
  staticDir = await mkdtemp(path.join(tmpdir(), 'tokenscope-web-'));
  await mkdir(path.join(staticDir, 'assets'));
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>TokenScope</title><script type="module" src="./assets/app.js"></script>');
  await writeFile(path.join(staticDir, 'assets', 'app.js'), 'console.log("app")');
  await writeFile(path.join(path.dirname(staticDir), `${path.basename(staticDir)}-secret.txt`), 'secret');
  workspace = await createWorkspace({ procedural: { frames: 3, size: 32 } });
  server = await startWebServer({ service: workspace, port: 0, staticDir });
});

afterAll(async () => {
  await server?.close();
  await workspace?.dispose();
  await rm(staticDir, { recursive: true, force: true });
  await rm(path.join(path.dirname(staticDir), `${path.basename(staticDir)}-secret.txt`), { force: true });
});

describe('web server: address and token', () => {
  it('binds 127.0.0.1 by default and prints a URL with a long random token', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{48}$/);
  });

  it('refuses HTTP requests without the token, or with a wrong one, with 403', async () => {
    for (const p of ['/', '/index.html', '/assets/app.js', `/?token=${'0'.repeat(48)}`]) {
      const res = await get(p);
      expect(res.status, p).toBe(403);
      expect(res.body).not.toContain('TokenScope</title>');
    }
  });

  it('sends the printed URL to the page under its own random path, with a cookie scoped to that path', async () => {
    const first = await get(`/?token=${server.token}`);
    expect(first.status).toBe(303);
    const location = String(first.headers.location);
    expect(location).toMatch(/^\/s\/[A-Za-z0-9_-]{16}\/\?token=/);
    const scope = location.slice(0, location.indexOf('?'));
    const page = await get(location);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>TokenScope</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-content-type-options']).toBe('nosniff');

    // Issue 12, finding 6: cookies ignore ports, so the cookie must not carry the token and must
    // be scoped to this server's random path, where no other local server's pages live.
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).not.toContain(server.token);
    expect(cookie).toContain(`Path=${scope}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const cookieHeader = cookie.split(';')[0]!;
    const asset = await get(`${scope}assets/app.js`, { cookie: cookieHeader });
    expect(asset.status).toBe(200);
    expect(asset.body).toBe('console.log("app")');
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // Outside its path the cookie opens nothing, and it never opens the service.
    expect((await get('/assets/app.js', { cookie: cookieHeader })).status).toBe(403);
    expect((await get(`/s/${'A'.repeat(16)}/assets/app.js`, { cookie: cookieHeader })).status).toBe(403);
    expect(await upgradeStatus(rpcUrl(null), { cookie: cookieHeader, origin: ownOrigin() })).toBe(403);
  });

  it("one server's cookie opens nothing on another server at the same address (cookies ignore ports)", async () => {
    const other = await startWebServer({ service: workspace, port: 0, staticDir });
    try {
      const first = await get(`/?token=${server.token}`);
      const cookieHeader = String(first.headers['set-cookie']).split(';')[0]!;
      const scope = String(first.headers.location).split('?')[0]!;
      // The browser would send this cookie to the other port only under the same random path.
      const res = await new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port: other.port, path: `${scope}assets/app.js`, headers: { cookie: cookieHeader } }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        }).on('error', reject).end();
      });
      expect(res).toBe(403);
    } finally {
      await other.close();
    }
  });

  it('refuses paths that leave the renderer folder, and unknown files, with 404', async () => {
    const auth = { authorization: `token ${server.token}` };
    const scope = String((await get('/', auth)).headers.location);
    expect(scope).toMatch(/^\/s\/[^/]+\/$/);
    expect((await get(`${scope}assets/app.js`, auth)).status).toBe(200);
    const escape = `${scope}%2e%2e/%2e%2e/%2e%2e/${path.basename(staticDir)}-secret.txt`;
    expect((await get(escape, auth)).status).toBe(404);
    expect((await get(`${scope}nope.js`, auth)).status).toBe(404);
    expect((await get('/nope.js', auth)).status).toBe(404);
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const res = await get(`/?token=${server.token}`, { host: `evil.example:${server.port}` });
    expect(res.status).toBe(403);
  });

  it('accepts a WebSocket only with the token in its URL and an Origin of its own, never without an Origin', async () => {
    expect(await upgradeStatus(rpcUrl(null), { origin: ownOrigin() })).toBe(403);
    expect(await upgradeStatus(rpcUrl('f'.repeat(48)), { origin: ownOrigin() })).toBe(403);
    expect(await upgradeStatus(rpcUrl(server.token), { origin: 'http://evil.example' })).toBe(403);
    // Another server on the same address (cookies, and the old Origin check's absence, ignored ports).
    expect(await upgradeStatus(rpcUrl(server.token), { origin: `http://127.0.0.1:${server.port + 1}` })).toBe(403);
    // Issue 12, finding 6: a client without an Origin (any local program) was let in.
    expect(await upgradeStatus(rpcUrl(server.token))).toBe(403);
    expect(await upgradeStatus(rpcUrl(server.token), { origin: ownOrigin() })).toBe(101);
  });
});

describe('web server: JSON-RPC over the WebSocket', () => {
  it('refuses methods outside the whitelist, including ones the workspace object has', async () => {
    const replies = await rawCall([
      { id: 1, method: 'on', params: ['status'] },
      { id: 2, method: 'dispose', params: [] },
      { id: 3, method: 'constructor', params: [] },
      { id: 4, method: 'getStatus', params: [] },
      { id: 5, method: 'getFrame', params: [99] },
    ]);
    for (const id of [1, 2, 3]) expect(replies.get(id)?.error?.message).toMatch(/^unknown method/);
    expect((replies.get(4)?.result as AppStatus).source?.length).toBe(3);
    expect(replies.get(5)?.error?.message).toBe('getFrame: frame index 99 is out of range 0..2');
  });

  it('round-trips a frame: the client receives the same typed arrays the workspace holds', async () => {
    const client = await connectWebSocket({ url: rpcUrlFromPage(server.url), createSocket: nodeSocket });
    try {
      const remote = await client.getFrame(1);
      const local = await workspace.getFrame(1);
      expect(remote.data).toBeInstanceOf(Float32Array);
      expect(remote.data.length).toBe(18 * 32 * 32);
      expect(Buffer.from(remote.data.buffer, remote.data.byteOffset, remote.data.byteLength).equals(
        Buffer.from(local.data.buffer, local.data.byteOffset, local.data.byteLength),
      )).toBe(true);
      expect(remote.labels).toBeInstanceOf(Uint8Array);
      expect(Array.from(remote.labels!)).toEqual(Array.from(local.labels!));
      // A real scene has several classes in view, not one flat colour.
      expect(new Set(remote.labels).size).toBeGreaterThan(3);
      await expect(client.getFrame(-1)).rejects.toThrow('getFrame: frame index -1 is out of range 0..2');
    } finally {
      client.close();
    }
  });

  it('delivers service events to the client', async () => {
    const client = await connectWebSocket({ url: rpcUrlFromPage(server.url), createSocket: nodeSocket });
    try {
      const seen = new Promise<AppStatus>((resolve) => client.on('status', resolve));
      await client.openProcedural({ seed: 11, frames: 2, size: 32 });
      const status = await seen;
      expect(status.source?.path).toBe('procedural:11');
      expect(status.source?.length).toBe(2);
    } finally {
      client.close();
      await workspace.openProcedural({ frames: 3, size: 32 });
    }
  });

  it('streams training progress with its usage histogram (a Float32Array) to the client', async () => {
    const client = await connectWebSocket({ url: rpcUrlFromPage(server.url), createSocket: nodeSocket });
    try {
      const done = new Promise<TrainProgress[]>((resolve) => {
        const seen: TrainProgress[] = [];
        client.on('trainProgress', (p) => {
          seen.push(p);
          if (p.state === 'done') resolve(seen);
        });
      });
      await client.startTraining({ steps: 3, batchSize: 1, crop: 16, model: { inChannels: 18, hidden: 4, latentDim: 2, stages: 2 }, quantizer: { kind: 'vq', codebookSize: 8 } });
      const seen = await done;
      expect(seen.at(-1)!.metrics?.step).toBe(3);
      const withUsage = seen.find((p) => p.usage);
      expect(withUsage?.usage).toBeInstanceOf(Float32Array);
      expect(withUsage?.usage?.length).toBe(8);
      expect((await client.getStatus()).step).toBe(3);
    } finally {
      client.close();
    }
  });

  it('fails pending calls when the connection closes, with a clear message', async () => {
    const client = await connectWebSocket({ url: rpcUrlFromPage(server.url), createSocket: nodeSocket });
    client.close();
    await expect(client.getStatus()).rejects.toThrow(/connection to the TokenScope server is closed/);
  });

  it("rpcUrlFromPage refuses a page URL without a token; rpcUrlFor puts the kept token on the page's own server", () => {
    expect(() => rpcUrlFromPage('http://127.0.0.1:1234/')).toThrow(/no access token/);
    expect(rpcUrlFromPage('http://127.0.0.1:1234/?token=abc')).toBe('ws://127.0.0.1:1234/rpc?token=abc');
    expect(rpcUrlFor('http://127.0.0.1:1234/s/xyz/#frame', 'abc')).toBe('ws://127.0.0.1:1234/rpc?token=abc');
  });
});
