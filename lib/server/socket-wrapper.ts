import type { RawData, WebSocket } from 'ws';
import type { Peer } from './peer.js';

/** What the server does with a frame a socket received. */
export type Receive = (data: RawData, isBinary: boolean) => void;

/** One socket's wrapping: what it is sent goes through `wrap`'s peer, what it sends through `gated`'s receiver. */
export interface WrappedSocket {
  wrap(peer: Peer): Peer;
  gated(receive: Receive): Receive;
}

/**
 * Something standing between every socket and the session logic, both
 * ways: the demo's link control (demo/link-control.ts). The production
 * server has none, and pays nothing for the possibility.
 */
export interface SocketWrapper {
  /** Called once for each socket accepted (after the subprotocol check). */
  track(socket: WebSocket): WrappedSocket;
  /** The server is closing. */
  close(): void;
}
