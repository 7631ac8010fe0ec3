import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createWorkspace } from '../service/workspace';
import type { Workspace } from '../service/workspace';
import { startWebServer } from './server';
import type { WebServer } from './server';
import { connectWebSocket, rpcUrlFromPage } from '../../src-renderer/src/lib/transport/ws-client';
import { nodeSocket } from './node-socket';

/** A frame request crosses the WebSocket as the renderer sends it, and only what it asks for comes back. */
let workspace: Workspace;
let server: WebServer;
let staticDir: string;

beforeAll(async () => {
  staticDir = await mkdtemp(path.join(tmpdir(), 'tokenscope-fr-web-'));
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>TokenScope</title>');
  workspace = await createWorkspace({ procedural: { frames: 2, size: 32 } });
  server = await startWebServer({ service: workspace, port: 0, staticDir });
});

afterAll(async () => {
  await server?.close();
  await workspace?.dispose();
  await rm(staticDir, { recursive: true, force: true });
});

describe('frame requests over the WebSocket', () => {
  it("getFrame(i, { channels: 'labels' }) brings the class map and an empty tensor; a bad request its error", async () => {
    const client = await connectWebSocket({ url: rpcUrlFromPage(server.url), createSocket: nodeSocket });
    try {
      const local = await workspace.getFrame(1);
      const remote = await client.getFrame(1, { channels: 'labels', groupLabels: true });
      expect(remote.data).toBeInstanceOf(Float32Array);
      expect(remote.data.length).toBe(0);
      expect(remote.dataChannels).toEqual([]);
      expect(remote.labels).toBeInstanceOf(Uint8Array);
      expect(Array.from(remote.labels!)).toEqual(Array.from(local.labels!));
      expect(remote.groupLabels!.length).toBe(32 * 32);
      const two = await client.getFrame(1, { channels: [4, 11] });
      expect(Array.from(two.data)).toEqual([...local.data.subarray(4 * 1024, 5 * 1024), ...local.data.subarray(11 * 1024, 12 * 1024)]);
      await expect(client.getFrame(1, { channels: [18] })).rejects.toThrow('getFrame: channel id 18 is out of range 0..17');
    } finally {
      client.close();
    }
  });
});
