/**
 * Picks the transport: inside Electron the preload exposes `window.tokenscope` (IPC); in a browser
 * the page was opened from `tokenscope serve`'s URL and carries the access token (which it then
 * keeps out of the address bar, see page-token.ts), so the client speaks WebSocket to the same origin.
 */
import type { TokenScopeClient } from '../../../../src-main/contract/index';
import type { AppCommand } from '../../../../src-main/contract/preload-api';
import { connectIpc, preloadApi } from './ipc-client';
import { connectWebSocket, rpcUrlFor } from './ws-client';
import { takePageToken } from './page-token';

export interface Connection {
  client: TokenScopeClient;
  transport: 'ipc' | 'websocket';
  /** Menu commands from Electron's main process (absent in a browser). */
  onAppCommand?: (listener: (command: AppCommand) => void) => () => void;
  /** A dropped File's path (Electron only; browsers do not reveal it). */
  pathForFile?: (file: File) => string;
}

export async function connectService(): Promise<Connection> {
  const api = preloadApi();
  if (api) {
    const client = connectIpc(api);
    return { client, transport: 'ipc', onAppCommand: client.onAppCommand, pathForFile: client.pathForFile };
  }
  const token = takePageToken(window);
  if (!token) throw new Error('no access token: open the URL that `tokenscope serve` printed');
  const client = await connectWebSocket({ url: rpcUrlFor(location.href, token) });
  return { client, transport: 'websocket' };
}
