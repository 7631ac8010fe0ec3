/**
 * The renderer's TokenScopeService inside Electron: `window.tokenscope`, which the preload built
 * from the contract's whitelist (src-main/app/bridge.ts). Typed arrays cross IPC by structured
 * clone, so nothing needs encoding here.
 */
import type { TokenScopeClient } from '../../../../src-main/contract/index';
import type { AppCommand, PreloadApi } from '../../../../src-main/contract/preload-api';

export type { AppCommand, PreloadApi };

/** The preload's object, when the page runs inside the TokenScope window. */
export function preloadApi(): PreloadApi | null {
  const w = globalThis as unknown as { tokenscope?: PreloadApi };
  return w.tokenscope ?? null;
}

export function connectIpc(api: PreloadApi | null = preloadApi()): TokenScopeClient & {
  onAppCommand: PreloadApi['onAppCommand'];
  pathForFile: PreloadApi['pathForFile'];
} {
  if (!api) throw new Error('not running inside the TokenScope window (no window.tokenscope)');
  // The preload's object is frozen and lives in another world: wrap it rather than extend it.
  return Object.assign(Object.create(null) as object, api, { close: () => undefined });
}
