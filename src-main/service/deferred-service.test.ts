import { describe, expect, it } from 'vitest';
import type { AppStatus } from '../contract/index';
import { deferredService } from './deferred-service';
import { createWorkspace } from './workspace';
import type { Workspace } from './workspace';

describe('deferredService', () => {
  it('holds calls and subscriptions until the workspace is ready, then forwards them', async () => {
    let resolve!: (w: Workspace) => void;
    const ready = new Promise<Workspace>((r) => (resolve = r));
    const svc = deferredService(ready);
    const seen: AppStatus[] = [];
    svc.on('status', (s) => seen.push(s));
    const off = svc.on('status', () => {
      throw new Error('unsubscribed before the workspace existed: must never be called');
    });
    off();
    const status = svc.getStatus();
    const ws = await createWorkspace({ procedural: { frames: 2, size: 32 } });
    resolve(ws);
    expect((await status).source?.length).toBe(2);
    await new Promise((r) => setImmediate(r));
    await svc.openProcedural({ seed: 3, frames: 3, size: 32 });
    expect(seen.at(-1)?.source?.path).toBe('procedural:3');
    await ws.dispose();
  });

  it('fails every call with the start-up error when the workspace cannot start', async () => {
    const svc = deferredService(Promise.reject(new Error('no usable TensorFlow.js backend')));
    await expect(svc.getStatus()).rejects.toThrow('no usable TensorFlow.js backend');
    expect(() => svc.on('status', () => undefined)).not.toThrow();
  });
});
