/**
 * The reference server: an HTTP server carrying WebSocket connections that
 * speak `rx-rtm.v1`, with sessions held in memory, or shared with other
 * nodes through Redis (`redis`, docs/CLUSTER.md). This file composes the
 * parts: the store, the session registry and its ticker, the HTTP routes,
 * the upgrade with its origin check, each socket, and the shutdown.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES, PROTOCOL } from '../protocol/frames.js';
import { MemoryStore } from '../store/memory-store.js';
import type { PresenceStore } from '../store/presence-store.js';
import { RedisStore } from '../store/redis-store.js';
import {
  isRedisUrl,
  RedisConfigError,
  storeConnection,
  type RedisConfig,
  type StoreConnection,
} from '../store/redis/redis-config.js';
import { acceptSocket } from './accept-socket.js';
import { mediaService, type MediaOptions } from './media/media-service.js';
import { refuseUpgrade, routeRequests, type HttpRoute } from './http-front.js';
import { startGridTicker } from './grid-ticker.js';
import { INVITATION_TIMES, type InvitationTimes } from './invitation-desk.js';
import { originCheck } from './origins.js';
import { systemClock, type ServerClock } from './server-clock.js';
import { ServerDefaults, TICK_MS } from './server-defaults.js';
import { SessionRegistry } from './session-registry.js';
import { sendEveryoneAway } from './shutdown.js';
import type { SocketWrapper } from './socket-wrapper.js';
import { EVENT_BUFFER, type EventBufferBounds } from './server-session.js';
import { noTelemetry, type Telemetry } from './telemetry.js';
import { appCredentials, type AppConfig } from './token-apps.js';
import { WriteCoalescer } from './write-coalescer.js';

export type { HttpRoute } from './http-front.js';
export type { MediaOptions } from './media/media-service.js';

export interface ServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Address to listen on; defaults to 127.0.0.1. */
  host?: string;
  /**
   * App id to its secret (rx-rtm's JWTs) or `{ agoraAppCertificate }` (the vendor's AccessToken2 tokens,
   * BEHAVIOUR §9.1), as an object or a Map; an entry that could never verify a token throws here.
   */
  apps: Readonly<Record<string, AppConfig>> | ReadonlyMap<string, AppConfig>;
  /** How long a session outlives its last frame (BEHAVIOUR §4); default 30 000 ms. */
  presenceGraceMs?: number;
  /** Silence after which subscribers see a user UNREACHABLE (BEHAVIOUR §4); default 6 000 ms. */
  unreachableMs?: number;
  /** Shared state; default an in-memory store (one server), or Redis with `redis` or `redisUrl`. */
  store?: PresenceStore;
  /**
   * Runs this server as one node of a cluster (docs/CLUSTER.md), sharing
   * presence, channels, attributes, bans and cross-session events through
   * Redis: `{ url }` for one Redis, `{ sentinels: [{ host, port }, …],
   * name }` for the primary the Sentinels monitor as `name` (with its
   * password, TLS and the Sentinels' own if needed), followed across a
   * failover, or `{ cluster: [{ host, port }, …] }` for a Redis Cluster by
   * some of its nodes (with ioredis Cluster options such as `redisOptions`
   * for its password and TLS), each app's data in one hash slot. The node connects at its start and fails it with a
   * `StoreUnavailableError` if Redis cannot be reached; a configuration
   * that cannot work throws a `RedisConfigError`. Every node needs the
   * same apps and should have the same timings. Ignored when `store` is given.
   */
  redis?: RedisConfig;
  /** `redis: { url }` in its earlier spelling: the Redis at this URL (`redis://…` or `rediss://…`). */
  redisUrl?: string;
  /** Failures no client caused (a store error, a bug); default `console.error`. */
  onError?: (error: unknown) => void;
  /** Counters for monitoring; default none. */
  telemetry?: Telemetry;
  /**
   * Call invitations' times (BEHAVIOUR §7.5); default 30 000 ms to be received, 60 000 ms to be answered.
   * Give every node of a cluster the same.
   */
  invitationTimes?: Partial<InvitationTimes>;
  /** How long a new socket may wait before its login frame; default 10 000 ms. */
  loginWaitMs?: number;
  /** Largest frame accepted, in bytes; a larger one closes that socket with 1009. */
  maxFrameBytes?: number;
  /**
   * What a session holds for a client whose link is down (its events:
   * member, status, messages), before it gives up and the resumed client
   * reconciles, its messages meanwhile lost; default 5 000 events or 8 MiB.
   */
  eventBuffer?: EventBufferBounds;
  /**
   * In a cluster, how long a session resumed from another node waits for
   * that node to hand over the events it held (BEHAVIOUR §7) before it goes
   * on without them (the client then reconciles); default 1 000 ms.
   */
  handoffWaitMs?: number;
  /**
   * How long `close()` waits for clients to go before dropping them (in a
   * cluster, also for its sessions to move to other nodes); default 2 000 ms.
   */
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
  /** Media files (BEHAVIOUR §7.6); default on, in a directory under the system's temp directory; `false` turns off. */
  media?: MediaOptions | false;
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
  unban(appId: string, uid: string): Promise<void>;
  /**
   * Stops accepting, tells every client to reconnect (`goaway`, close code
   * 1012), and resolves once all sockets are gone or `shutdownGraceMs` passed.
   */
  close(): Promise<void>;
}

/** The checked Redis connection of `redis` or `redisUrl`, if either is given. */
function redisConnection({ redis, redisUrl }: ServerOptions): StoreConnection | undefined {
  if (redis !== undefined && redisUrl !== undefined)
    throw new RedisConfigError('give redis or redisUrl (its earlier spelling), not both');
  if (redis !== undefined) return storeConnection(redis);
  if (redisUrl === undefined) return undefined;
  // Never quoted: it may hold a password.
  if (!isRedisUrl(redisUrl)) throw new RedisConfigError('redisUrl must be a URL like redis://host:6379 or rediss://…');
  return { url: redisUrl };
}

/** Starts a server; resolves once it listens. */
export function startServer(options: ServerOptions): Promise<RtmServer> {
  return startServerWith(options, undefined);
}

/**
 * {@link startServer} with a wrapper around every socket: the demo's link
 * control (demo.ts). Not part of the public API.
 */
export async function startServerWith(options: ServerOptions, wrapper: SocketWrapper | undefined): Promise<RtmServer> {
  const {
    port,
    host = ServerDefaults.host,
    presenceGraceMs = ServerDefaults.presenceGraceMs,
    unreachableMs = ServerDefaults.unreachableMs,
    onError = (error: unknown) => console.error('rx-rtm server:', error),
    telemetry = noTelemetry,
    loginWaitMs = ServerDefaults.loginWaitMs,
    maxFrameBytes = MAX_FRAME_BYTES,
    eventBuffer = EVENT_BUFFER,
    handoffWaitMs = ServerDefaults.handoffWaitMs,
    shutdownGraceMs = ServerDefaults.shutdownGraceMs,
    clock = systemClock,
  } = options;
  const originAllowed = originCheck(options.allowedOrigins);
  const apps = appCredentials(options.apps);
  const ownStore = !options.store;
  const redis = redisConnection(options);
  // Connects (and fails the start) before anything listens.
  const store =
    options.store ??
    (redis ? await RedisStore.connect({ ...redis, apps: [...apps.keys()], onError }) : new MemoryStore());
  const registry = new SessionRegistry({
    apps,
    store,
    presenceGraceMs,
    unreachableMs,
    eventBuffer,
    handoffWaitMs,
    clock,
    onError,
    telemetry,
    invitations: { ...INVITATION_TIMES, ...options.invitationTimes },
  });
  const sockets = { registry, clock, telemetry, onError, loginWaitMs, wrapper, coalescer: new WriteCoalescer() };

  let closing: Promise<void> | undefined;

  const media = await Promise.resolve()
    .then(() => mediaService(options.media, { redis, apps, presence: store, clock, onError }))
    .catch(async (error: unknown) => {
      registry.close();
      if (ownStore) await store.close();
      throw error;
    });
  const http = createServer(routeRequests({ ...options.routes, ...media.routes }, onError));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameBytes,
    handleProtocols: (offered) => (offered.has(PROTOCOL) ? PROTOCOL : false),
  });
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (closing) return refuseUpgrade(socket, 503, 'shutting down\n');
    // Version 8 of the handshake, which ws also accepts, named the header Sec-WebSocket-Origin.
    const origin = request.headers.origin ?? request.headers['sec-websocket-origin'];
    if (!originAllowed(Array.isArray(origin) ? origin[0] : origin))
      return refuseUpgrade(socket, 403, 'origin not allowed\n');
    wss.handleUpgrade(request, socket, head, (socket) => acceptSocket(socket, sockets));
  });

  const ticker = startGridTicker(
    TICK_MS,
    () => clock.monotonic(),
    () => registry.tick(),
  );

  try {
    http.listen(port, host);
    await once(http, 'listening');
  } catch (error) {
    ticker.stop();
    media.close();
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
    close() {
      closing ??= (async () => {
        wrapper?.close();
        ticker.stop();
        http.close();
        const deadline = clock.monotonic() + shutdownGraceMs;
        await sendEveryoneAway(wss, shutdownGraceMs);
        // The nodes its clients resume on wait for this node to hand their sessions over (BEHAVIOUR §7).
        if (store.shared) await registry.drained(deadline - clock.monotonic());
        http.closeAllConnections();
        registry.close();
        media.close();
        if (ownStore) await store.close();
      })();
      return closing;
    },
  };
}
