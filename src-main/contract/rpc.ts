/**
 * The JSON-RPC messages of the WebSocket front door (carried by `codec.ts`). Shared by the
 * server (src-main/web) and the browser client (src-renderer/src/lib/transport/ws-client.ts).
 */
import type { ServiceEvents, ServiceMethod } from './index';

export interface RpcRequest {
  id: number;
  method: ServiceMethod;
  params: unknown[];
}

export interface RpcResult {
  id: number;
  result: unknown;
}

export interface RpcFailure {
  id: number;
  error: { message: string };
}

export interface RpcEvent<K extends keyof ServiceEvents = keyof ServiceEvents> {
  event: K;
  payload: ServiceEvents[K];
}

export type RpcReply = RpcResult | RpcFailure;
export type ServerMessage = RpcReply | RpcEvent;

/** The path of the WebSocket endpoint; the token rides in its query string. */
export const RPC_PATH = '/rpc';
/** The query parameter (and cookie name) that carries the access token. */
export const TOKEN_PARAM = 'token';
