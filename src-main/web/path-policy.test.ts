import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { createWorkspace } from '../service/workspace';
import type { Workspace } from '../service/workspace';
import { SMALL_CONFIG } from '../service/test-config';
import { saveCheckpoint as writeCheckpoint } from '../engine/checkpoint/checkpoint';
import { randomStateDict } from '../engine/checkpoint/test-fixtures';
import { disposeStateDict } from '../engine/checkpoint/tensor-io';
import { writeNpy } from '../data/npy';
import { decodeMessage, encodeMessage } from '../contract/codec';
import { startWebServer } from './server';
import type { WebServer } from './server';
import { PathPolicy } from './path-policy';
import { withPathPolicy } from './path-guarded-service';

/**
 * Issue 12, finding 7: an authenticated browser client could read any .npy/.npz/.bin and write any
 * file the server's user can (saveCheckpoint overwrote an unrelated file). In browser mode every
 * path must lie inside the server's roots, links resolved, and a file TokenScope did not write is
 * never replaced without --allow-overwrite. Exercised through a real server and workspace.
 */
let base: string;
let root: string;
let outside: string;
let workspace: Workspace;
let server: WebServer;

type Reply = { result?: unknown; error?: { message: string } };

/** One call over a WebSocket, as a browser client would make it. */
async function call(method: string, ...params: unknown[]): Promise<Reply> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/rpc?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  try {
    return await new Promise<Reply>((resolve) => {
      ws.on('message', (data) => {
        const msg = decodeMessage(data as Buffer) as Reply & { id?: number };
        if (msg.id === 1) resolve(msg);
      });
      ws.send(encodeMessage({ id: 1, method, params }));
    });
  } finally {
    ws.close();
  }
}

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(tmpdir(), 'tokenscope-paths-')));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
  workspace = await createWorkspace({ procedural: { frames: 2, size: 32 }, encodeIn: 'process', checkpointDir: path.join(root, 'ckpts') });
  // A real checkpoint of the procedural scene's shape, and data files inside and outside the root.
  const weights = randomStateDict(SMALL_CONFIG);
  try {
    await writeCheckpoint(path.join(root, 'mine.ckpt'), { config: SMALL_CONFIG, step: 0, weights, optimizer: null, metrics: [] });
  } finally {
    disposeStateDict(weights);
  }
  const frames = new Float32Array(2 * 1 * 16 * 16).fill(0.5);
  await writeNpy(path.join(root, 'frames.npy'), frames, [2, 1, 16, 16]);
  await writeNpy(path.join(outside, 'secret.npy'), frames, [2, 1, 16, 16]);
  await symlink(path.join(outside, 'secret.npy'), path.join(root, 'link-out.npy'));
  await symlink(outside, path.join(root, 'dir-out'));
  await writeFile(path.join(root, 'notes.txt'), 'precious');
  await mkdir(path.join(root, 'photos'));
  await writeFile(path.join(root, 'photos', 'cat.jpg'), 'meow');
  const paths = await PathPolicy.create({ roots: [root] });
  server = await startWebServer({ service: workspace, port: 0, staticDir: base, paths });
});

afterAll(async () => {
  await server?.close();
  await workspace?.dispose();
  await rm(base, { recursive: true, force: true });
});

describe('browser mode confines paths to the workspace roots (issue 12, finding 7)', () => {
  it('reads inside the root; refuses reads outside it, also through a link or `..`', async () => {
    expect((await call('openPath', path.join(root, 'frames.npy'))).result).toMatchObject({ length: 2 });
    for (const p of [path.join(outside, 'secret.npy'), path.join(root, 'link-out.npy'), path.join(root, 'dir-out', 'secret.npy'), `${root}/../outside/secret.npy`, '/etc/passwd']) {
      const reply = await call('openPath', p);
      expect(reply.error?.message, p).toMatch(/^openPath: .* is outside the folders this server lets a browser use/);
    }
    expect((await call('importPredictions', path.join(outside, 'secret.npy'))).error?.message).toMatch(/^importPredictions: .* is outside/);
    expect((await call('openCheckpoint', path.join(outside, 'x.ckpt'))).error?.message).toMatch(/^openCheckpoint: .* is outside/);
    // Not a path at all: refused at the door by the contract's schema, before the policy looks.
    expect((await call('openPath', 42)).error?.message).toMatch(/^openPath: path: expected string/);
  });

  it('opens and re-saves its own checkpoint, but never overwrites a file TokenScope did not write', async () => {
    expect((await call('openCheckpoint', path.join(root, 'mine.ckpt'))).result).toMatchObject({ step: 0 });
    expect((await call('saveCheckpoint', path.join(root, 'mine.ckpt'))).error).toBeUndefined();
    expect((await call('saveCheckpoint')).error).toBeUndefined();
    expect(await readdir(path.join(root, 'ckpts'))).toEqual(['tokenizer-step0.ckpt']);

    const refused = await call('saveCheckpoint', path.join(root, 'notes.txt'));
    expect(refused.error?.message).toMatch(/^saveCheckpoint: .*notes\.txt exists and is not a TokenScope checkpoint; refusing to overwrite it/);
    expect(await readFile(path.join(root, 'notes.txt'), 'utf8')).toBe('precious');
    expect((await call('saveCheckpoint', path.join(root, 'photos'))).error?.message).toMatch(/is not a regular file/);
    expect((await call('saveCheckpoint', path.join(outside, 'new.ckpt'))).error?.message).toMatch(/is outside/);
    expect((await call('saveCheckpoint', path.join(root, 'dir-out', 'new.ckpt'))).error?.message).toMatch(/is outside/);
    expect(await readdir(outside)).toEqual(['secret.npy']);
  });

  it('exports into a new folder or its own export, never into a folder of other files or outside', async () => {
    const dir = path.join(root, 'exports', 'one');
    // The open data is not the tokenizer's: the export leaves tokens.npy out, on purpose.
    expect((await call('exportCheckpoint', dir, { tokens: false })).error).toBeUndefined();
    expect(await readdir(dir)).toContain('config.json');
    expect((await call('exportCheckpoint', dir, { tokens: false })).error).toBeUndefined();

    const refused = await call('exportCheckpoint', path.join(root, 'photos'));
    expect(refused.error?.message).toMatch(/^exportCheckpoint: .*photos is a folder with other files in it, not a TokenScope export/);
    expect(await readdir(path.join(root, 'photos'))).toEqual(['cat.jpg']);
    expect((await call('exportCheckpoint', path.join(root, 'notes.txt'))).error?.message).toMatch(/exists and is not a folder/);
    expect((await call('exportCheckpoint', path.join(outside, 'exp'))).error?.message).toMatch(/is outside/);
    expect(await readdir(outside)).toEqual(['secret.npy']);
  });
});

describe('the path policy on its own', () => {
  it('with --allow-overwrite it replaces a foreign file inside the roots, still never outside', async () => {
    const policy = await PathPolicy.create({ roots: [root], allowOverwrite: true });
    expect(await policy.checkWriteFile('saveCheckpoint', path.join(root, 'notes.txt'))).toBe(path.join(root, 'notes.txt'));
    expect(await policy.checkWriteDir('exportCheckpoint', path.join(root, 'photos'))).toBe(path.join(root, 'photos'));
    await expect(policy.checkWriteFile('saveCheckpoint', path.join(outside, 'x.ckpt'))).rejects.toThrow(/is outside/);
  });

  it('a file root stands for its folder; no roots refuses every path', async () => {
    const fromFile = await PathPolicy.create({ roots: [path.join(root, 'frames.npy')] });
    expect(fromFile.roots).toEqual([root]);
    const none = await PathPolicy.create({ roots: [] });
    await expect(none.checkRead('openPath', path.join(root, 'frames.npy'))).rejects.toThrow(/start `tokenscope serve` with --root DIR/);
  });

  it('the guarded service passes the checked path on and leaves other methods alone', async () => {
    const seen: unknown[][] = [];
    const fake = new Proxy({}, { get: (_t, name) => async (...args: unknown[]) => seen.push([name, ...args]) });
    const guarded = withPathPolicy(fake as never, await PathPolicy.create({ roots: [root] }));
    await guarded.openPath(`${root}/./sub/../frames.npy`);
    await guarded.getFrame(1);
    await guarded.saveCheckpoint();
    expect(seen).toEqual([['openPath', path.join(root, 'frames.npy')], ['getFrame', 1], ['saveCheckpoint', undefined]]);
  });
});
