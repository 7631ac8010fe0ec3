/**
 * What Electron's preload puts on `window.tokenscope`, and the IPC channel names behind it.
 * Types and constants only: the preload (src-main/app/preload.ts), the main process
 * (src-main/app/ipc-handlers.ts) and the renderer (src-renderer/src/lib/transport/ipc-client.ts)
 * all derive their channels from here and from the contract's SERVICE_METHODS, so a channel that
 * is not in the whitelist cannot exist on either side.
 */
import type { ServiceEvents, ServiceMethod, TokenScopeService } from './index';

/** One channel per contract method, one per event, and one for the app's own menu commands. */
export const methodChannel = (method: ServiceMethod): string => `tokenscope:call:${method}`;
export const eventChannel = (event: keyof ServiceEvents | 'appCommand'): string => `tokenscope:event:${event}`;

/** A method's answer as it crosses IPC: errors travel as plain messages (Electron would prefix them). */
export type IpcAnswer = { ok: true; value: unknown } | { ok: false; message: string };

/** Menu commands the main process sends to the window (View › panels, Help › shortcuts…). */
export interface AppCommand {
  name: 'togglePanel' | 'showShortcuts' | 'showAbout' | 'openedPath';
  arg?: string;
}

export type PreloadApi = { [M in ServiceMethod]: TokenScopeService[M] } & {
  on<K extends keyof ServiceEvents>(event: K, listener: (payload: ServiceEvents[K]) => void): () => void;
  onAppCommand(listener: (command: AppCommand) => void): () => void;
  /** The file-system path of a dropped File (Electron hides `File.path` from sandboxed pages). */
  pathForFile(file: File): string;
};
