/**
 * The renderer's TokenScopeService over a WebSocket (browser mode): every contract method
 * becomes a request, every service event arrives through `on`. Typed arrays travel as raw bytes
 * (src-main/contract/codec.ts). The method list comes from the contract's whitelist, so the proxy
 * can never call anything the server would refuse.
 */
import { SERVICE_METHODS } from '../../../../src-main/contract/index';
import type { ServiceEvents, ServiceListener, TokenScopeClient } from '../../../../src-main/contract/index';
import { decodeMessage, encodeMessage } from '../../../../src-main/contract/codec';
import { RPC_PATH, TOKEN_PARAM } from '../../../../src-main/contract/rpc';
import type { ServerMessage } from '../../../../src-main/contract/rpc';

/** The part of the browser's WebSocket the client uses (Node's `ws` package has it too). */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: Uint8Array): void;
  close(): void;
}

export interface WsClientOptions {
  /** `ws://host:port/rpc?token=…`; see `rpcUrlFromPage`. */
  url: string;
  /** Defaults to the browser's WebSocket. */
  createSocket?: (url: string) => SocketLike;
  /** Rejects a call that gets no answer in this time (ms); 0 waits forever (the default: training start can be slow). */
  callTimeoutMs?: number;
}

/** The WebSocket URL for the page the renderer was served from (`http://h:p/?token=T` → `ws://h:p/rpc?token=T`). */
export function rpcUrlFromPage(pageUrl: string): string {
  const token = new URL(pageUrl).searchParams.get(TOKEN_PARAM);
  if (!token) throw new Error('no access token in the page URL: open the URL that `tokenscope serve` printed');
  return rpcUrlFor(pageUrl, token);
}

/** The WebSocket URL on the page's own server, carrying the token the page keeps (see page-token.ts). */
export function rpcUrlFor(pageUrl: string, token: string): string {
  const page = new URL(pageUrl);
  const ws = new URL(RPC_PATH, page.origin);
  ws.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  ws.searchParams.set(TOKEN_PARAM, token);
  return ws.toString();
}

export function connectWebSocket(opts: WsClientOptions): Promise<TokenScopeClient> {
  const socket = (opts.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike))(opts.url);
  socket.binaryType = 'arraybuffer';

  let nextId = 1;
  let closed = false;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> }>();
  const listeners = new Map<keyof ServiceEvents, Set<(payload: unknown) => void>>();

  const emit = (event: keyof ServiceEvents, payload: unknown): void => {
    for (const fn of listeners.get(event) ?? []) {
      try {
        fn(payload);
      } catch (err) {
        console.error(`tokenscope: a '${event}' listener threw`, err);
      }
    }
  };

  const failAll = (message: string): void => {
    for (const [id, p] of pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new Error(message));
      pending.delete(id);
    }
  };

  const call = (method: string, params: unknown[]): Promise<unknown> => {
    if (closed) return Promise.reject(new Error(`${method}: the connection to the TokenScope server is closed`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const entry: { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> } = { resolve, reject };
      if (opts.callTimeoutMs) {
        entry.timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method}: no answer from the server in ${opts.callTimeoutMs} ms`));
        }, opts.callTimeoutMs);
      }
      pending.set(id, entry);
      try {
        socket.send(encodeMessage({ id, method, params }));
      } catch (err) {
        pending.delete(id);
        if (entry.timer) clearTimeout(entry.timer);
        reject(err as Error);
      }
    });
  };

  socket.onmessage = (ev) => {
    let msg: ServerMessage;
    try {
      const data = ev.data;
      if (!(data instanceof ArrayBuffer) && !(data instanceof Uint8Array)) throw new Error('expected a binary message');
      msg = decodeMessage(data) as ServerMessage;
    } catch (err) {
      emit('error', { message: `bad message from the server: ${(err as Error).message}` });
      return;
    }
    if ('event' in msg) {
      emit(msg.event, msg.payload);
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (p.timer) clearTimeout(p.timer);
    if ('error' in msg) p.reject(new Error(msg.error.message));
    else p.resolve(msg.result);
  };

  const client: Record<string, unknown> = {};
  for (const method of SERVICE_METHODS) {
    client[method] = (...params: unknown[]) => call(method, params);
  }
  client.on = <K extends keyof ServiceEvents>(event: K, listener: ServiceListener<K>): (() => void) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const fn = listener as (payload: unknown) => void;
    set.add(fn);
    return () => set.delete(fn);
  };
  client.close = () => {
    closed = true;
    socket.close();
  };

  return new Promise((resolve, reject) => {
    let opened = false;
    socket.onopen = () => {
      opened = true;
      resolve(client as unknown as TokenScopeClient);
    };
    socket.onerror = () => {
      if (!opened) reject(new Error(`cannot connect to ${opts.url.replace(/token=[^&]+/, 'token=…')}`));
    };
    socket.onclose = (ev) => {
      const wasClosed = closed;
      closed = true;
      failAll('the connection to the TokenScope server closed');
      if (!opened) reject(new Error(`the server refused the connection (code ${ev.code})${ev.reason ? `: ${ev.reason}` : ''}`));
      else if (!wasClosed) emit('error', { message: 'the connection to the TokenScope server closed' });
    };
  });
}
