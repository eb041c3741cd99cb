/**
 * The reference server: an HTTP server carrying WebSocket connections that
 * speak `rx-rtm.v1`, with sessions held in memory, or shared with other
 * nodes through Redis (`redisUrl`, docs/CLUSTER.md).
 */
import { once } from 'node:events';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { encodeFrame } from '../protocol/codec.js';
import { CloseCode } from '../protocol/close-code.js';
import { MAX_FRAME_BYTES, PROTOCOL } from '../protocol/frames.js';
import { Connection } from './connection.js';
import type { Peer } from './peer.js';
import { noTelemetry, type Telemetry } from './telemetry.js';
import { SessionRegistry, type ServerClock } from './session-registry.js';
import { MemoryStore } from '../store/memory-store.js';
import type { PresenceStore } from '../store/presence-store.js';
import { RedisStore } from '../store/redis-store.js';
import { LinkControl } from './demo-link-control.js';

/**
 * Answers one plain HTTP request (not a WebSocket upgrade). A rejection or
 * throw goes to `onError` and the client gets a 500.
 */
export type HttpRoute = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

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
  /** Shared state; default an in-memory store (one server), or Redis with `redisUrl`. */
  store?: PresenceStore;
  /**
   * Runs this server as one node of a cluster: presence, channels,
   * attributes, bans and cross-session events shared through the Redis at
   * this URL (`redis://[user:password@]host:port[/db]`, or `rediss://`).
   * Every node needs the same apps and should have the same timings.
   * Ignored when `store` is given.
   */
  redisUrl?: string;
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
  /**
   * Browser origins allowed to open a WebSocket, each `scheme://host[:port]`
   * (matched exactly), or `['*']` for any. A request with no `Origin` header
   * (a client outside a browser) is always allowed. When absent, only
   * loopback origins are allowed (`localhost`, `127.0.0.0/8`, `[::1]`, any
   * scheme and port), so local development works and no other web page can
   * connect its visitors to this server. A refused origin gets HTTP 403
   * before the upgrade.
   */
  allowedOrigins?: readonly string[];
  /**
   * Plain HTTP requests by exact path (the query ignored), for example a
   * health check or metrics served beside the WebSockets. Any other plain
   * request gets 426 Upgrade Required.
   */
  routes?: Readonly<Record<string, HttpRoute>>;
  /** Clocks, for tests; default `performance.now()` and `Date.now()`. */
  clock?: ServerClock;
  /**
   * Demo only: enables {@link RtmServer.cutLink}, which freezes a user's
   * sockets as a dark network would. Off by default; never in production.
   */
  linkControl?: boolean;
}

export interface RtmServer {
  /** `ws://host:port/` to give clients. */
  readonly url: string;
  readonly port: number;
  /** Sessions alive now, attached or within their grace. */
  readonly sessionCount: number;
  /** Ends the uid's session with BANNED_BY_SERVER and refuses its logins until `unban`. */
  ban(appId: string, uid: string): Promise<void>;
  unban(appId: string, uid: string): Promise<void>;
  /**
   * Demo only, with the `linkControl` option (throws otherwise): for `ms`,
   * nothing passes between the server and the uid's sockets, both ways, and
   * nothing is closed; then the held frames go through, in order.
   */
  cutLink(appId: string, uid: string, ms: number): void;
  /**
   * Stops accepting, tells every client to reconnect (`goaway`, close code
   * 1012), and resolves once all sockets are gone or `shutdownGraceMs` passed.
   */
  close(): Promise<void>;
}

const systemClock: ServerClock = { monotonic: () => performance.now(), wall: () => Date.now() };

/** A socket as a {@link Peer}: methods on the prototype, not five closures per connection. */
class SocketPeer implements Peer {
  constructor(
    private readonly socket: WebSocket,
    private readonly telemetry: Telemetry,
  ) {}

  send(frame: Parameters<Peer['send']>[0]): void {
    if (frame.t === 'fail' || frame.t === 'error' || frame.t === 'refused') this.telemetry.error(frame.code);
    this.sendText(encodeFrame(frame));
  }

  sendText(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(text);
    this.telemetry.frameOut();
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }
}

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** `value` as a serialized origin (`scheme://host[:port]`), or undefined if it has none (`null`, not a URL). */
export function originOf(value: string): string | undefined {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** The test a WebSocket upgrade's `Origin` header must pass; see {@link ServerOptions.allowedOrigins}. */
function originCheck(allowedOrigins: readonly string[] | undefined): (origin: string | undefined) => boolean {
  if (allowedOrigins === undefined) {
    return (origin) => {
      if (origin === undefined) return true;
      try {
        return LOOPBACK_HOST.test(new URL(origin).hostname);
      } catch {
        return false;
      }
    };
  }
  if (allowedOrigins.includes('*')) return () => true;
  const allowed = new Set(
    allowedOrigins.map((entry) => {
      const origin = originOf(entry);
      if (origin === undefined) throw new TypeError(`allowedOrigins: ${JSON.stringify(entry)} is not an origin like https://app.example.com`);
      return origin;
    }),
  );
  return (origin) => {
    if (origin === undefined) return true;
    const normalized = originOf(origin);
    return normalized !== undefined && allowed.has(normalized);
  };
}

/** Answers an upgrade request with an HTTP error and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  socket.on('error', () => undefined);
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
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
  const originAllowed = originCheck(options.allowedOrigins);
  const routes = new Map(Object.entries(options.routes ?? {}));
  const apps = options.apps instanceof Map ? options.apps : new Map(Object.entries(options.apps));
  const ownStore = !options.store;
  // Connects (and fails the start) before anything listens.
  const store =
    options.store ?? (options.redisUrl !== undefined ? await RedisStore.connect({ url: options.redisUrl, apps: [...apps.keys()], onError }) : new MemoryStore());
  const registry = new SessionRegistry({ apps, store, presenceGraceMs, unreachableMs, clock, onError, telemetry });
  // Demo only (linkControl): holds a cut user's frames both ways.
  const links = options.linkControl ? new LinkControl() : undefined;

  let closing: Promise<void> | undefined;

  const http = createServer((request, response) => {
    const route = routes.get((request.url ?? '/').split('?', 1)[0]);
    if (!route) {
      response.writeHead(426, { 'content-type': 'text/plain' }).end('rx-rtm speaks WebSocket here\n');
      return;
    }
    new Promise<void>((resolve) => resolve(route(request, response))).catch((error: unknown) => {
      onError(error);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
      else response.destroy();
    });
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameBytes,
    handleProtocols: (offered) => (offered.has(PROTOCOL) ? PROTOCOL : false),
  });
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (closing) return refuseUpgrade(socket, 503, 'shutting down\n');
    // Version 8 of the handshake, which ws also accepts, named the header Sec-WebSocket-Origin.
    const origin = request.headers.origin ?? request.headers['sec-websocket-origin'];
    if (!originAllowed(Array.isArray(origin) ? origin[0] : origin)) return refuseUpgrade(socket, 403, 'origin not allowed\n');
    wss.handleUpgrade(request, socket, head, (socket) => wss.emit('connection', socket, request));
  });

  wss.on('connection', (socket: WebSocket, _request: IncomingMessage) => {
    // A socket error (an oversized frame, a reset) is followed by 'close'; handling it here keeps it from being thrown.
    socket.on('error', () => undefined);
    if (socket.protocol !== PROTOCOL) {
      socket.close(CloseCode.PolicyViolation, `subprotocol ${PROTOCOL} required`);
      return;
    }
    const gate = links?.track(socket);
    const socketPeer = new SocketPeer(socket, telemetry);
    const peer = gate ? gate.wrap(socketPeer) : socketPeer;
    const connection = new Connection(peer, registry, clock, onError);
    // Dropped once logged in: the close listener would otherwise keep the Timeout for the connection's life.
    let loginWait: ReturnType<typeof setTimeout> | undefined = setTimeout(() => {
      if (!connection.loggedIn) socket.close(CloseCode.LoginWait, 'no login');
    }, loginWaitMs);
    const receive = (data: RawData, isBinary: boolean) => {
      telemetry.frameIn();
      connection.receive(isBinary ? data : data.toString());
      if (loginWait !== undefined && connection.loggedIn) {
        clearTimeout(loginWait);
        loginWait = undefined;
      }
    };
    socket.on('message', gate ? gate.gated(receive) : receive);
    socket.on('close', () => {
      clearTimeout(loginWait);
      connection.closed();
    });
  });

  const ticker = setInterval(() => registry.tick(), 100);
  ticker.unref();

  try {
    http.listen(port, host);
    await once(http, 'listening');
  } catch (error) {
    clearInterval(ticker);
    registry.close();
    if (ownStore) await store.close();
    throw error;
  }
  const bound = (http.address() as AddressInfo).port;

  return {
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${bound}/`,
    port: bound,
    get sessionCount() {
      return registry.size;
    },
    ban: (appId, uid) => registry.ban(appId, uid),
    unban: (appId, uid) => registry.unban(appId, uid),
    cutLink(appId, uid, ms) {
      if (!links) throw new Error('cutLink needs the linkControl option');
      links.cut(appId, uid, ms);
    },
    close() {
      closing ??= (async () => {
        links?.close();
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
        if (ownStore) await store.close();
      })();
      return closing;
    },
  };
}
