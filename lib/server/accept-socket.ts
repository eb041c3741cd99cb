/**
 * One accepted WebSocket, from its upgrade to its close: the subprotocol
 * check, the connection that speaks for it, and the wait for its login.
 */
import type { RawData, WebSocket } from 'ws';
import { rawText } from './raw-text.js';
import { CloseCode } from '../protocol/close-code.js';
import { PROTOCOL } from '../protocol/frames.js';
import { Connection } from './connection.js';
import type { ServerClock } from './server-clock.js';
import type { SessionRegistry } from './session-registry.js';
import { SocketPeer } from './socket-peer.js';
import type { SocketWrapper } from './socket-wrapper.js';
import type { Telemetry } from './telemetry.js';
import type { WriteCoalescer } from './write-coalescer.js';

/** What every socket of one server shares. */
export interface SocketContext {
  readonly registry: SessionRegistry;
  readonly clock: ServerClock;
  readonly telemetry: Telemetry;
  readonly onError: (error: unknown) => void;
  readonly loginWaitMs: number;
  /** The demo's link control; none in production. */
  readonly wrapper: SocketWrapper | undefined;
  /** Joins the frames each socket is sent in one turn into one write. */
  readonly coalescer: WriteCoalescer;
}

/** Serves a socket that completed its upgrade until it closes. */
export function acceptSocket(socket: WebSocket, context: SocketContext): void {
  const { registry, clock, telemetry, onError, loginWaitMs, wrapper, coalescer } = context;
  // A socket error (an oversized frame, a reset) is followed by 'close'; handling it here keeps it from being thrown.
  socket.on('error', () => undefined);
  if (socket.protocol !== PROTOCOL) {
    socket.close(CloseCode.PolicyViolation, `subprotocol ${PROTOCOL} required`);
    return;
  }
  const wrapped = wrapper?.track(socket);
  const socketPeer = new SocketPeer(socket, telemetry, coalescer);
  const peer = wrapped ? wrapped.wrap(socketPeer) : socketPeer;
  const connection = new Connection(peer, registry, clock, onError);
  // Dropped once logged in: the close listener would otherwise keep the Timeout for the connection's life.
  let loginWait: ReturnType<typeof setTimeout> | undefined = setTimeout(() => {
    if (!connection.loggedIn) socket.close(CloseCode.LoginWait, 'no login');
  }, loginWaitMs);
  const receive = (data: RawData, isBinary: boolean) => {
    telemetry.frameIn();
    connection.receive(isBinary ? data : rawText(data));
    if (loginWait !== undefined && connection.loggedIn) {
      clearTimeout(loginWait);
      loginWait = undefined;
    }
  };
  socket.on('message', wrapped ? wrapped.gated(receive) : receive);
  socket.on('close', () => {
    clearTimeout(loginWait);
    connection.closed();
  });
}
