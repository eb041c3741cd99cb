/**
 * How a `RedisStore` reaches Redis: its options, the connection settings,
 * and the error when Redis cannot be reached.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { StoreConnection } from './redis-config.js';

/** A connection to one Redis (by URL or through Sentinels) or to a Redis Cluster: the commands the store sends. */
export type RedisClient = Redis | Cluster;

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  url?: string;
  /** ioredis options (sentinels, TLS, …), merged over the store's defaults and the URL. */
  redis?: RedisOptions;
  /** A Redis Cluster instead: its seeds and ioredis Cluster options, merged over the store's defaults. */
  cluster?: StoreConnection['cluster'];
  /** The app ids this node serves: the streams it reads and the deadlines it sweeps. */
  apps: readonly string[];
  /** First part of every key; default `rtm`. */
  keyPrefix?: string;
  /** This node's id; default host name, process id and a random suffix. */
  node?: string;
  /** How often this node sweeps every app's deadlines; default 250 ms. */
  sweepIntervalMs?: number;
  /** Events kept per app's stream for nodes that fall behind; default 20 000. */
  streamMaxLength?: number;
  /**
   * After the data was lost, how long nodes have to restore their sessions
   * before clients reconcile; default 1 500 ms. A node restoring later
   * announces what it restores as events.
   */
  restoreSettleMs?: number;
  /** How long {@link RedisStore.connect} waits for Redis; default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Failures no client caused (Redis unreachable, a script error); default `console.error`. */
  onError?: (error: unknown) => void;
}

/** Redis could not be reached at start. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/** A Redis URL with its password hidden, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}

/**
 * How long a connection to Redis may wait for any answer, with commands pending, before it is given up (and
 * its commands sent again, as after a lost connection): a server whose host vanished (powered off, cut off,
 * frozen) closes nothing, and without this a command or a stream read sent to it would wait for ever, on one
 * Redis, through Sentinels or on a Redis Cluster alike. Above the stream reads' block (1 s, the only blocking
 * command the store sends), so an idle read does not trip it. The app's `socketTimeout` overrides it.
 */
const REDIS_SOCKET_TIMEOUT_MS = 3000;

/**
 * The node's connection for commands and scripts (not yet connected), named after the node. Its stream
 * readers' connections are copies of it ({@link readerConnection}), so they share every setting here.
 * A server silent for {@link REDIS_SOCKET_TIMEOUT_MS} counts as a lost connection (BEHAVIOUR §4.3).
 */
export function commandConnection(options: RedisStoreOptions, node: string): RedisClient {
  const settings: RedisOptions = {
    // RESP2: the reply shapes the scripts' decoders check do not depend on the server's version.
    protocol: 2,
    lazyConnect: true,
    // Reconnect quickly and for ever; a command waits through about 20 failed attempts, then fails.
    retryStrategy: (times) => Math.min(100 * times, 1000),
    maxRetriesPerRequest: 20,
    socketTimeout: REDIS_SOCKET_TIMEOUT_MS,
    connectionName: `rx-rtm:${node}`,
    ...options.redis,
  };
  if (options.cluster) return clusterConnection(options.cluster, settings);
  return options.url ? new Redis(options.url, settings) : new Redis(settings);
}

/**
 * A Redis Cluster client. A command whose shard fails over is sent again, every 300 ms, up to 40 times
 * (12 s: a replica is promoted within about twice the cluster's node timeout), then fails; MOVED and ASK
 * are followed as ioredis does. Every command goes to the primary of its slot (the default `scaleReads`).
 * Each node's connection takes the settings of one Redis that a Cluster node needs, the socket timeout
 * among them, under the app's `redisOptions`.
 */
function clusterConnection(
  { nodes, options }: NonNullable<StoreConnection['cluster']>,
  { protocol, connectionName, maxRetriesPerRequest, socketTimeout }: RedisOptions,
): Cluster {
  const settings: ClusterOptions = {
    lazyConnect: true,
    clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 300,
    maxRedirections: 40,
    ...options,
    redisOptions: {
      protocol,
      connectionName,
      maxRetriesPerRequest,
      socketTimeout,
      ...options.redisOptions,
    },
  };
  return new Cluster(
    nodes.map(({ host, port }) => ({ host, port })),
    settings,
  );
}

/**
 * A second connection like `commands`, for the blocking stream reads: on a Redis Cluster, a client of its
 * own whose reads block only its connection to the primary of the streams' slot.
 */
export function readerConnection(commands: RedisClient, node: string): RedisClient {
  const connectionName = `rx-rtm-reader:${node}`;
  if (commands instanceof Cluster) return commands.duplicate([], { redisOptions: { connectionName } });
  return commands.duplicate({ connectionName });
}

/** `work`, or a rejection if it takes longer than `timeoutMs`. */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
