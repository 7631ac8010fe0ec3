import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_METHODS } from '../contract/index';
import type { AppStatus } from '../contract/index';
import { eventChannel, methodChannel } from '../contract/preload-api';
import { createWorkspace } from '../service/workspace';
import type { Workspace } from '../service/workspace';
import { connectIpc } from '../../src-renderer/src/lib/transport/ipc-client';
import { createPreloadApi } from './bridge';
import { registerIpcHandlers } from './ipc-handlers';
import type { IpcMainInvokeEventLike, IpcMainLike, IpcRendererEventLike, IpcRendererLike } from './electron-types';

/**
 * Electron's binary can't run here, so the two halves of the IPC front door are joined by an
 * in-memory channel that behaves as Electron's does where it matters: arguments and answers are
 * structured-cloned (typed arrays survive, functions don't), only registered channels answer,
 * and each call carries its sender's id.
 */
function ipcPair(senderId: number) {
  const handlers = new Map<string, (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown>();
  const listeners = new Map<string, Set<(event: IpcRendererEventLike, ...args: unknown[]) => void>>();
  const ipcMain: IpcMainLike = {
    handle(channel, fn) {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, fn);
    },
    removeHandler(channel) {
      handlers.delete(channel);
    },
  };
  const ipcRenderer: IpcRendererLike = {
    async invoke(channel, ...args) {
      const fn = handlers.get(channel);
      if (!fn) throw new Error(`Error invoking remote method '${channel}': No handler registered for '${channel}'`);
      return structuredClone(await fn({ sender: { id: senderId } }, ...structuredClone(args)));
    },
    on(channel, fn) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(fn);
    },
    removeListener(channel, fn) {
      listeners.get(channel)?.delete(fn);
    },
  };
  const send = (channel: string, payload: unknown) => {
    for (const fn of listeners.get(channel) ?? []) fn({}, structuredClone(payload));
  };
  return { ipcMain, ipcRenderer, send, handlers, listeners };
}

let workspace: Workspace;

beforeAll(async () => {
  workspace = await createWorkspace({ procedural: { frames: 2, size: 32 } });
});

afterAll(async () => {
  await workspace?.dispose();
});

describe('Electron IPC front door (preload bridge ↔ main handlers)', () => {
  it('registers exactly one channel per whitelisted method, and removes them on dispose', () => {
    const pair = ipcPair(1);
    const wiring = registerIpcHandlers(pair.ipcMain, workspace, pair.send);
    expect([...pair.handlers.keys()].sort()).toEqual(SERVICE_METHODS.map(methodChannel).sort());
    wiring.dispose();
    expect(pair.handlers.size).toBe(0);
  });

  it('exposes a frozen object with the contract methods, on, onAppCommand and pathForFile — and nothing else', () => {
    const pair = ipcPair(1);
    const api = createPreloadApi({ ipcRenderer: pair.ipcRenderer, webUtils: { getPathForFile: () => '/x' } });
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.keys(api).sort()).toEqual([...SERVICE_METHODS, 'on', 'onAppCommand', 'pathForFile'].sort());
    expect('ipcRenderer' in api).toBe(false);
  });

  it('carries a real frame with its typed arrays from the workspace to the page', async () => {
    const pair = ipcPair(1);
    const wiring = registerIpcHandlers(pair.ipcMain, workspace, pair.send);
    const client = connectIpc(createPreloadApi({ ipcRenderer: pair.ipcRenderer, webUtils: { getPathForFile: () => '' } }));
    try {
      const frame = await client.getFrame(1);
      const local = await workspace.getFrame(1);
      expect(frame.data).toBeInstanceOf(Float32Array);
      expect(frame.labels).toBeInstanceOf(Uint8Array);
      expect(Array.from(frame.labels!)).toEqual(Array.from(local.labels!));
      expect(new Set(frame.labels).size).toBeGreaterThan(3);
      // Errors arrive as the service's own message, not Electron's "Error invoking remote method…".
      await expect(client.getFrame(5)).rejects.toThrow(/^getFrame: frame index 5 is out of range 0\.\.1$/);
    } finally {
      wiring.dispose();
    }
  });

  it('forwards service events to the page and stops after unsubscribe', async () => {
    const pair = ipcPair(1);
    const wiring = registerIpcHandlers(pair.ipcMain, workspace, pair.send);
    const client = connectIpc(createPreloadApi({ ipcRenderer: pair.ipcRenderer, webUtils: { getPathForFile: () => '' } }));
    const seen: AppStatus[] = [];
    const off = client.on('status', (s) => seen.push(s));
    try {
      await client.openProcedural({ seed: 3, frames: 2, size: 32 });
      expect(seen.at(-1)?.source?.path).toBe('procedural:3');
      off();
      const count = seen.length;
      await client.openProcedural({ seed: 4, frames: 2, size: 32 });
      expect(seen.length).toBe(count);
      expect(() => client.on('nope' as 'status', () => undefined)).toThrow(/unknown event/);
    } finally {
      wiring.dispose();
    }
  });

  it('refuses calls from any sender other than the app window', async () => {
    const pair = ipcPair(99);
    const wiring = registerIpcHandlers(pair.ipcMain, workspace, pair.send, (e) => e.sender.id === 1);
    const api = createPreloadApi({ ipcRenderer: pair.ipcRenderer, webUtils: { getPathForFile: () => '' } });
    try {
      await expect(api.getStatus()).rejects.toThrow(/refused: the call did not come from the TokenScope window/);
    } finally {
      wiring.dispose();
    }
  });

  it('delivers menu commands on their own channel', () => {
    const pair = ipcPair(1);
    const api = createPreloadApi({ ipcRenderer: pair.ipcRenderer, webUtils: { getPathForFile: () => '' } });
    const got: unknown[] = [];
    const off = api.onAppCommand((c) => got.push(c));
    pair.send(eventChannel('appCommand'), { name: 'togglePanel', arg: 'tokens' });
    off();
    pair.send(eventChannel('appCommand'), { name: 'showShortcuts' });
    expect(got).toEqual([{ name: 'togglePanel', arg: 'tokens' }]);
  });
});
