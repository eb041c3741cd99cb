/**
 * How a `RedisStore` reaches Redis: its options, the connection settings,
 * and the error when Redis cannot be reached.
 */
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  url?: string;
  /** ioredis options (sentinels, TLS, …), merged over the store's defaults and the URL. */
  redis?: RedisOptions;
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

/** The node's connection for commands and scripts (not yet connected), named after the node. */
export function commandConnection(options: RedisStoreOptions, node: string): Redis {
  const settings: RedisOptions = {
    // RESP2: the reply shapes the scripts' decoders check do not depend on the server's version.
    protocol: 2,
    lazyConnect: true,
    // Reconnect quickly and for ever; a command waits through about 20 failed attempts, then fails.
    retryStrategy: (times) => Math.min(100 * times, 1000),
    maxRetriesPerRequest: 20,
    connectionName: `rx-rtm:${node}`,
    ...options.redis,
  };
  return options.url ? new Redis(options.url, settings) : new Redis(settings);
}

/** A second connection like `commands`, for the blocking stream reads. */
export function readerConnection(commands: Redis, node: string): Redis {
  return commands.duplicate({ connectionName: `rx-rtm-reader:${node}` });
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
