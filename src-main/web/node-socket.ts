import WebSocket from 'ws';
import type { SocketLike } from '../../src-renderer/src/lib/transport/ws-client';

/**
 * A Node WebSocket for the renderer's client (tests, scripts), sent with the Origin a page of
 * that server would send: browser mode refuses every WebSocket without its own Origin.
 */
export function nodeSocket(url: string): SocketLike {
  const u = new URL(url);
  const origin = `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}`;
  return new WebSocket(url, { origin }) as unknown as SocketLike;
}
