/**
 * The reference server: an HTTP server carrying WebSocket connections that
 * speak `rx-rtm.v1`, with sessions held in memory.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeFrame } from '../protocol/codec.js';
import { CloseCode } from '../protocol/close-code.js';
import { MAX_FRAME_BYTES, PROTOCOL } from '../protocol/frames.js';
import { Connection } from './connection.js';
import type { Peer } from './peer.js';
import { noTelemetry, type Telemetry } from './telemetry.js';
import { SessionRegistry, type ServerClock } from './session-registry.js';
import { MemoryStore } from '../store/memory-store.js';
import type { PresenceStore } from '../store/presence-store.js';

export interface ServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Address to listen on; defaults to 127.0.0.1. */
  host?: string;
  /** App id to app secret, as an object or a Map. */
  apps: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** How long a session outlives its last frame (SPEC §4); default 30 000 ms. */
  presenceGraceMs?: number;
  /** Silence after which subscribers see a user UNREACHABLE (SPEC §4); default 6 000 ms. */
  unreachableMs?: number;
  /** Shared state; default an in-memory store (one server). */
  store?: PresenceStore;
  /** Failures no client caused (a store error, a bug); default `console.error`. */
  onError?: (error: unknown) => void;
  /** Counters for monitoring; default none. */
  telemetry?: Telemetry;
  /** How long a new socket may wait before its login frame; default 10 000 ms. */
  loginWaitMs?: number;
  /** Largest frame accepted, in bytes; a larger one closes that socket with 1009. */
  maxFrameBytes?: number;
  /** How long `close()` waits for clients to go before dropping them; default 2 000 ms. */
  shutdownGraceMs?: number;
  /** Clocks, for tests; default `performance.now()` and `Date.now()`. */
  clock?: ServerClock;
}

export interface RtmServer {
  /** `ws://host:port/` to give clients. */
  readonly url: string;
  readonly port: number;
  /** Sessions alive now, attached or within their grace. */
  readonly sessionCount: number;
  /** Ends the uid's session with BANNED_BY_SERVER and refuses its logins until `unban`. */
  ban(appId: string, uid: string): Promise<void>;
  unban(appId: string, uid: string): void;
  /**
   * Stops accepting, tells every client to reconnect (`goaway`, close code
   * 1012), and resolves once all sockets are gone or `shutdownGraceMs` passed.
   */
  close(): Promise<void>;
}

const systemClock: ServerClock = { monotonic: () => performance.now(), wall: () => Date.now() };

function peerOf(socket: WebSocket, telemetry: Telemetry): Peer {
  const sendText = (text: string) => {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(text);
    telemetry.frameOut();
  };
  return {
    send: (frame) => {
      if (frame.t === 'fail' || frame.t === 'error' || frame.t === 'refused') telemetry.error(frame.code);
      sendText(encodeFrame(frame));
    },
    sendText,
    close: (code, reason) => socket.close(code, reason),
    terminate: () => socket.terminate(),
  };
}

/** Starts a server; resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RtmServer> {
  const {
    port,
    host = '127.0.0.1',
    presenceGraceMs = 30_000,
    unreachableMs = 6_000,
    onError = (error: unknown) => console.error('rx-rtm server:', error),
    telemetry = noTelemetry,
    loginWaitMs = 10_000,
    maxFrameBytes = MAX_FRAME_BYTES,
    shutdownGraceMs = 2_000,
    clock = systemClock,
  } = options;
  const apps = options.apps instanceof Map ? options.apps : new Map(Object.entries(options.apps));
  const store = options.store ?? new MemoryStore();
  const registry = new SessionRegistry({ apps, store, presenceGraceMs, unreachableMs, clock, onError, telemetry });

  const http = createServer((_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain' }).end('rx-rtm speaks WebSocket here\n');
  });
  const wss = new WebSocketServer({
    server: http,
    maxPayload: maxFrameBytes,
    handleProtocols: (offered) => (offered.has(PROTOCOL) ? PROTOCOL : false),
  });

  wss.on('connection', (socket: WebSocket, _request: IncomingMessage) => {
    // A socket error (an oversized frame, a reset) is followed by 'close'; handling it here keeps it from being thrown.
    socket.on('error', () => undefined);
    if (socket.protocol !== PROTOCOL) {
      socket.close(CloseCode.PolicyViolation, `subprotocol ${PROTOCOL} required`);
      return;
    }
    const peer = peerOf(socket, telemetry);
    const connection = new Connection(peer, registry, clock, onError);
    const loginWait = setTimeout(() => {
      if (!connection.loggedIn) socket.close(CloseCode.LoginWait, 'no login');
    }, loginWaitMs);
    socket.on('message', (data, isBinary) => {
      telemetry.frameIn();
      connection.receive(isBinary ? data : data.toString());
    });
    socket.on('close', () => {
      clearTimeout(loginWait);
      connection.closed();
    });
  });

  const ticker = setInterval(() => registry.tick(), 100);
  ticker.unref();

  http.listen(port, host);
  await once(http, 'listening');
  const bound = (http.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;

  return {
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${bound}/`,
    port: bound,
    get sessionCount() {
      return registry.size;
    },
    ban: (appId, uid) => registry.ban(appId, uid),
    unban: (appId, uid) => registry.unban(appId, uid),
    close() {
      closing ??= (async () => {
        clearInterval(ticker);
        http.close();
        for (const socket of wss.clients) {
          if (socket.readyState === socket.OPEN) socket.send(encodeFrame({ t: 'goaway' }));
          socket.close(CloseCode.ServiceRestart, 'server restart');
        }
        const gone = Promise.all([...wss.clients].map((socket) => once(socket, 'close')));
        const deadline = new Promise((resolve) => setTimeout(resolve, shutdownGraceMs).unref());
        await Promise.race([gone, deadline]);
        for (const socket of wss.clients) socket.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        http.closeAllConnections();
        registry.close();
        if (!options.store) await store.close();
      })();
      return closing;
    },
  };
}
