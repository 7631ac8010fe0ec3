import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Issue 12, finding 1: a WebSocket upgrade to `//` made the server's upgrade handler throw before
 * any token check and the process exited. Replayed here, with other malformed upgrades, requests
 * and headers, against a real server in its own process; after each one the process must still
 * be running and answer a well-formed request.
 */
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const TOKEN = 'malformed-requests-token-0123456789';

let child: ChildProcess;
let port = 0;
let staticDir: string;
let stderr = '';

/** Sends raw bytes and resolves with the status line of the answer ('' when the server just closed). */
function raw(bytes: string, opts: { resetAfterMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = () => resolve(answer.split('\r\n')[0] ?? '');
    socket.on('data', (c) => {
      answer += c.toString('latin1');
      if (answer.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.write(bytes, 'latin1');
    if (opts.resetAfterMs !== undefined) setTimeout(() => socket.resetAndDestroy(), opts.resetAfterMs);
  });
}

const upgrade = (target: string, headers: string[] = []): string =>
  [
    `GET ${target} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
    '',
    '',
  ].join('\r\n');

const get = (target: string, headers: string[] = [`Host: 127.0.0.1:${port}`]): string =>
  [`GET ${target} HTTP/1.1`, ...headers, 'Connection: close', '', ''].join('\r\n');

async function stillServing(): Promise<void> {
  expect(child.exitCode, `the server exited; its stderr:\n${stderr}`).toBeNull();
  expect(await raw(get(`/?token=${TOKEN}`))).toBe('HTTP/1.1 303 See Other');
}

beforeAll(async () => {
  staticDir = await mkdtemp(path.join(tmpdir(), 'tokenscope-malformed-'));
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>TokenScope</title>');
  // The server alone, with a service that has no methods: what is tested runs before any call.
  const code = `
    const { startWebServer } = await import(${JSON.stringify(SERVER)});
    const service = { on: () => () => undefined };
    const s = await startWebServer({ service, port: 0, token: ${JSON.stringify(TOKEN)}, staticDir: ${JSON.stringify(staticDir)} });
    console.log('PORT ' + s.port);`;
  child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (c) => (stderr += c));
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = out.match(/PORT (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${stderr}`)));
  });
});

afterAll(async () => {
  child?.kill();
  await rm(staticDir, { recursive: true, force: true });
});

describe('browser mode survives malformed requests before authentication (issue 12, finding 1)', () => {
  it('a WebSocket upgrade to `//` is refused and the process lives on (the original crash)', async () => {
    expect(await raw(upgrade('//'))).toBe('HTTP/1.1 404 Not Found');
    expect(await raw(upgrade(`//?token=${TOKEN}`, [`Origin: http://127.0.0.1:${port}`]))).toBe('HTTP/1.1 404 Not Found');
    await stillServing();
  });

  it('other malformed upgrades are refused with a status, never a crash', async () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['*', [], /^HTTP\/1\.1 400/],
      ['http://evil.example/rpc', [], /^HTTP\/1\.1 400/],
      ['//evil.example/rpc', [], /^HTTP\/1\.1 404/],
      ['/rpc?token=%zz%', [], /^HTTP\/1\.1 403/],
      ['/rpc/%00/..', [], /^HTTP\/1\.1 404/],
      [`/rpc?token=${TOKEN}`, ['Origin: null'], /^HTTP\/1\.1 403/],
      [`/rpc?token=${TOKEN}`, ['Origin: ::::'], /^HTTP\/1\.1 403/],
      [`/rpc?token=${TOKEN}`, ['Origin: http://'], /^HTTP\/1\.1 403/],
      [`/rpc?token=${TOKEN}`, [`Origin: http://127.0.0.1:${port}/path`], /^HTTP\/1\.1 403/],
      [`/rpc?token=${TOKEN}`, ['Cookie: tokenscope-assets=%E0%A4%A'], /^HTTP\/1\.1 403/],
      ['/rpc', [`Authorization: token`], /^HTTP\/1\.1 403/],
    ];
    for (const [target, headers, status] of cases) {
      expect(await raw(upgrade(target, headers)), target).toMatch(status);
    }
    // Past authentication, a broken handshake is the WebSocket library's to refuse.
    const badKey = upgrade(`/rpc?token=${TOKEN}`, [`Origin: http://127.0.0.1:${port}`]).replace('dGhlIHNhbXBsZSBub25jZQ==', 'short');
    expect(await raw(badKey)).toMatch(/^HTTP\/1\.1 400/);
    await stillServing();
  });

  it('upgrades with a missing or odd Host, and clients that reset mid-upgrade, do not take it down', async () => {
    const noHost = upgrade('/rpc').replace(/Host: [^\r]*\r\n/, '');
    expect(await raw(noHost)).toMatch(/^HTTP\/1\.1 (400|403)/);
    expect(await raw(upgrade('/rpc').replace(/Host: [^\r]*/, 'Host: [::1'))).toMatch(/^HTTP\/1\.1 (400|403)/);
    for (let i = 0; i < 5; i++) await raw(upgrade(`/rpc?token=${TOKEN}`, [`Origin: http://127.0.0.1:${port}`]), { resetAfterMs: 0 });
    await raw(upgrade('//').slice(0, 30), { resetAfterMs: 5 });
    await stillServing();
  });

  it('malformed HTTP requests get 4xx, a malformed cookie 403 rather than 500 (finding 5)', async () => {
    expect(await raw(get('//'))).toMatch(/^HTTP\/1\.1 (400|403)/);
    expect(await raw(get('*'))).toBe('HTTP/1.1 400 Bad Request');
    expect(await raw(get('/s/x/', [`Host: 127.0.0.1:${port}`, 'Cookie: tokenscope-assets=%E0%A4%A; a=%']))).toBe('HTTP/1.1 403 Forbidden');
    expect(await raw(get('/', [`Host: 127.0.0.1:${port}`, 'Cookie: =; ;;=x; tokenscope-assets']))).toBe('HTTP/1.1 403 Forbidden');
    expect(await raw('GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(get('/', [`Host: 127.0.0.1:${port}`, `X-Big: ${'a'.repeat(70_000)}`]))).toMatch(/^HTTP\/1\.1 431/);
    expect(await raw(`GET /?token=${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: -1\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    await stillServing();
  });
});
