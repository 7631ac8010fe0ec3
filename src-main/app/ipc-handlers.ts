import { SERVICE_EVENTS, SERVICE_METHODS } from '../contract/index';
import type { ServiceEventSource, TokenScopeService } from '../contract/index';
import { eventChannel, methodChannel } from '../contract/preload-api';
import type { IpcAnswer } from '../contract/preload-api';
import { dispatch } from '../service/dispatch';
import { asClient } from '../service/client-context';
import type { IpcMainLike, IpcMainInvokeEventLike } from './electron-types';

/**
 * The main-process half of the Electron front door: one `ipcMain.handle` channel per contract
 * method (nothing else is registered, so nothing else can be called) and every service event
 * forwarded to the window. Calls from any frame other than our own window's are refused.
 */
export interface IpcWiring {
  /** Removes the handlers and the event subscriptions. */
  dispose(): void;
}

export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  service: TokenScopeService & ServiceEventSource,
  send: (channel: string, payload: unknown) => void,
  isTrustedSender: (event: IpcMainInvokeEventLike) => boolean = () => true,
): IpcWiring {
  for (const method of SERVICE_METHODS) {
    ipcMain.handle(methodChannel(method), async (event, ...params): Promise<IpcAnswer> => {
      if (!isTrustedSender(event)) return { ok: false, message: `${method}: refused: the call did not come from the TokenScope window` };
      try {
        return { ok: true, value: await asClient('window', () => dispatch(service, method, params)) };
      } catch (err) {
        return { ok: false, message: (err as Error)?.message ?? String(err) };
      }
    });
  }
  const unsubscribe = SERVICE_EVENTS.map((name) => service.on(name, (payload) => send(eventChannel(name), payload)));
  return {
    dispose() {
      for (const method of SERVICE_METHODS) ipcMain.removeHandler(methodChannel(method));
      unsubscribe.forEach((off) => off());
    },
  };
}
