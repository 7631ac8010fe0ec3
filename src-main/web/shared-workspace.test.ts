import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { writeNpy } from '../data/npy';
import { disposeSnapshot, loadCheckpoint } from '../engine/checkpoint/checkpoint';
import { createWorkspace } from '../service/workspace';
import type { Workspace } from '../service/workspace';
import { SMALL_CONFIG } from '../service/test-config';
import { connectWebSocket, rpcUrlFromPage } from '../../src-renderer/src/lib/transport/ws-client';
import type { SocketLike } from '../../src-renderer/src/lib/transport/ws-client';
import type { AppStatus, TokenScopeClient } from '../contract/index';
import { startWebServer } from './server';
import { PathPolicy } from './path-policy';
import type { WebServer } from './server';

/**
 * Two browser clients on one server share one workspace (issue 12, finding 9): a run owns its
 * data for its lifetime, everyone sees who started and who stopped it, and the checkpoint
 * saved afterwards records the data it was trained on, not what another client opened since.
 */
let dir: string;
let workspace: Workspace;
let server: WebServer;

async function client(): Promise<TokenScopeClient> {
  // A browser always sends its page's Origin; this one is the server's own.
  const origin = `http://127.0.0.1:${server.port}`;
  return connectWebSocket({
    url: rpcUrlFromPage(server.url),
    createSocket: (url) => new WebSocket(url, { headers: { Origin: origin } }) as unknown as SocketLike,
  });
}

async function statusUntil(c: TokenScopeClient, pred: (s: AppStatus) => boolean): Promise<AppStatus> {
  for (let i = 0; i < 600; i++) {
    const s = await c.getStatus();
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the status never got there');
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokenscope-shared-'));
  workspace = await createWorkspace({ procedural: { frames: 4, size: 32 }, checkpointDir: dir });
  // The clients may open what is in the test's folder (browser mode confines paths to its roots).
  server = await startWebServer({ service: workspace, port: 0, staticDir: dir, paths: await PathPolicy.create({ roots: [dir] }) });
});

afterAll(async () => {
  await server?.close();
  await workspace?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('two WebSocket clients sharing one workspace', () => {
  it('B cannot switch the data under A\'s run, sees who started it, and A\'s checkpoint records A\'s data', async () => {
    // Continuous frames with as many channels as the scene's classes: a tokenizer trained on the
    // scene can encode them, so nothing but the recorded encoding tells them apart.
    const continuous = path.join(dir, 'continuous.npy');
    await writeNpy(continuous, new Float32Array(4 * 18 * 32 * 32).map((_, i) => Math.sin(i)), [4, 18, 32, 32]);

    const a = await client();
    const b = await client();
    try {
      const idA = (await a.getStatus()).client!;
      const idB = (await b.getStatus()).client!;
      expect(idA).toMatch(/^ws-\d+$/);
      expect(idB).toMatch(/^ws-\d+$/);
      expect(idB).not.toBe(idA);

      await a.openProcedural({ seed: 3, frames: 4, size: 32 });
      const before = Date.now();
      await a.startTraining({ ...SMALL_CONFIG, steps: 1_000_000, crop: 16 });

      const seenByB = await b.getStatus();
      expect(seenByB.training?.owner).toBe(idA);
      expect(seenByB.training?.source).toBe('procedural:3');
      expect(Date.parse(seenByB.training!.startedAt)).toBeGreaterThanOrEqual(before - 1000);

      await expect(b.openPath(continuous)).rejects.toThrow(new RegExp(`openPath: a training run owns the open data \\(started by client ${idA} at .* on procedural:3\\); stop it`));
      await expect(b.openProcedural({ seed: 4 })).rejects.toThrow(/openProcedural: a training run owns the open data/);
      await expect(b.startTraining({ steps: 5 })).rejects.toThrow(new RegExp(`startTraining: training is already running \\(stop it first\\) \\(started by client ${idA} `));
      expect((await b.getStatus()).source?.path).toBe('procedural:3');

      await statusUntil(b, (s) => s.step >= 1);
      await b.stopTraining();
      const stopped = await statusUntil(a, (s) => s.training?.state === 'done');
      expect(stopped.training?.owner).toBe(idA);
      expect(stopped.training?.lastControl).toMatchObject({ action: 'stop', by: idB });

      // Now B may open other data; A's checkpoint still describes the scene A trained on.
      await b.openPath(continuous);
      const file = path.join(dir, 'a.ckpt');
      await a.saveCheckpoint(file);
      const snap = await loadCheckpoint(file);
      try {
        expect(snap.input?.encoding.kind).toBe('classes');
        expect(snap.input?.channelNames.length).toBe(18);
      } finally {
        disposeSnapshot(snap);
      }
    } finally {
      a.close();
      b.close();
    }
  }, 180_000);
});
