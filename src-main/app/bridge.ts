import { SERVICE_EVENTS, SERVICE_METHODS } from '../contract/index';
import { eventChannel, methodChannel } from '../contract/preload-api';
import type { AppCommand, IpcAnswer, PreloadApi } from '../contract/preload-api';
import type { ElectronPreloadLike, IpcRendererEventLike } from './electron-types';

/**
 * Builds the one object the preload exposes as `window.tokenscope`: a function per contract
 * method (each invoking only its own whitelisted channel), `on` for the service's events,
 * `onAppCommand` for menu commands, and `pathForFile` for drag-and-drop. The page never sees
 * `ipcRenderer` itself, nor the IPC event objects (they carry `sender`).
 */
export function createPreloadApi(electron: Pick<ElectronPreloadLike, 'ipcRenderer' | 'webUtils'>): PreloadApi {
  const { ipcRenderer } = electron;
  const api: Record<string, unknown> = {};
  for (const method of SERVICE_METHODS) {
    api[method] = async (...params: unknown[]) => {
      const answer = (await ipcRenderer.invoke(methodChannel(method), ...params)) as IpcAnswer;
      if (!answer.ok) throw new Error(answer.message);
      return answer.value;
    };
  }
  const subscribe = (channel: string, listener: (payload: never) => void): (() => void) => {
    const wrapped = (_event: IpcRendererEventLike, payload: unknown) => listener(payload as never);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  };
  const events = new Set<string>(SERVICE_EVENTS);
  api.on = (event: string, listener: (payload: never) => void) => {
    if (!events.has(event)) throw new Error(`unknown event ${JSON.stringify(event)}`);
    return subscribe(eventChannel(event as (typeof SERVICE_EVENTS)[number]), listener);
  };
  api.onAppCommand = (listener: (command: AppCommand) => void) => subscribe(eventChannel('appCommand'), listener as (p: never) => void);
  api.pathForFile = (file: File) => electron.webUtils.getPathForFile(file);
  return Object.freeze(api) as unknown as PreloadApi;
}
