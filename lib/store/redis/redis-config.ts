/**
 * Where a cluster node finds Redis, as `startServer({ redis })` and the
 * command line take it: one server by URL, or a primary found through
 * Sentinels (which follow it across a failover). Checked before anything
 * connects, so a typo fails the start with a message naming the field.
 */
import type { RedisOptions } from 'ioredis';
import { redactRedisUrl } from './connection.js';

/** One Sentinel. */
export interface SentinelAddress {
  readonly host: string;
  readonly port: number;
}

/** The ioredis options of Sentinel mode a deployment may need: the primary's and the Sentinels' auth and TLS. */
export type SentinelModeOptions = Pick<
  RedisOptions,
  | 'username'
  | 'password'
  | 'db'
  | 'tls'
  | 'sentinelUsername'
  | 'sentinelPassword'
  | 'sentinelTLS'
  | 'enableTLSForSentinelMode'
  | 'natMap'
  | 'connectTimeout'
>;

/** The primary of the group `name`, as the Sentinels name it; any Sentinel given leads to the others. */
export interface SentinelConfig extends SentinelModeOptions {
  readonly sentinels: readonly SentinelAddress[];
  /** The group the Sentinels monitor (`sentinel monitor <name> …` in their configuration). */
  readonly name: string;
}

/** One Redis: `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). */
export interface RedisUrlConfig {
  readonly url: string;
}

export type RedisConfig = RedisUrlConfig | SentinelConfig;

/** A Redis configuration that cannot work; the message names the field. */
export class RedisConfigError extends TypeError {
  override readonly name = 'RedisConfigError';
}

/** How a store connects: a URL, or ioredis options (Sentinel mode). */
export interface StoreConnection {
  url?: string;
  redis?: RedisOptions;
}

/** True for a `redis:` or `rediss:` URL with a host. */
export function isRedisUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Checks `config` (a message names the field at fault) and turns it into the store's connection.
 * Sentinel mode also follows a failover the node did not see as a lost connection: it reconnects
 * (through the Sentinels) when they announce a new primary (`+switch-master`: else a failover by
 * hand leaves the nodes writing to the old primary until the Sentinels reconfigure it, seconds
 * later), or when the server it talks to answers as a replica (READONLY, or a blocking read
 * UNBLOCKED), and sends the command again.
 */
export function storeConnection(config: RedisConfig): StoreConnection {
  if (typeof config !== 'object' || config === null) throw new RedisConfigError('redis must be an object');
  const hasUrl = 'url' in config && config.url !== undefined;
  const hasSentinels = 'sentinels' in config && config.sentinels !== undefined;
  if (hasUrl === hasSentinels)
    throw new RedisConfigError(
      `redis takes either a url or sentinels with a name, ${hasUrl ? 'not both' : 'got neither'}`,
    );
  if ('url' in config) {
    // Never quoted: it may hold a password.
    if (typeof config.url !== 'string' || !isRedisUrl(config.url))
      throw new RedisConfigError('redis.url must be a URL like redis://[user:password@]host:6379[/db] or rediss://…');
    return { url: config.url };
  }
  const { sentinels, name, ...options } = config;
  // (Not Array.isArray, which would narrow a readonly array to any[].)
  if (!(sentinels instanceof Array) || sentinels.length === 0)
    throw new RedisConfigError('redis.sentinels must be a non-empty array of { host, port }');
  sentinels.forEach((sentinel, index) => {
    const where = `redis.sentinels[${index}]`;
    if (typeof sentinel?.host !== 'string' || sentinel.host === '')
      throw new RedisConfigError(`${where}.host must be a host name or an IP address`);
    if (!Number.isInteger(sentinel.port) || sentinel.port < 1 || sentinel.port > 65_535)
      throw new RedisConfigError(`${where}.port must be an integer from 1 to 65535, got ${String(sentinel.port)}`);
  });
  if (typeof name !== 'string' || name === '')
    throw new RedisConfigError('redis.name must name the group the Sentinels monitor');
  return {
    redis: {
      ...options,
      sentinels: sentinels.map(({ host, port }) => ({ host, port })),
      name,
      failoverDetector: true,
      reconnectOnError: (error) => (/^(READONLY|UNBLOCKED)\b/.test(error.message) ? 2 : false),
    },
  };
}

/** The Redis a connection reaches, for logs and messages (a password hidden). */
export function describeRedis({ url, redis }: StoreConnection): string {
  if (url !== undefined) return redactRedisUrl(url);
  if (redis?.sentinels)
    return `primary "${redis.name}" through Sentinel ${redis.sentinels.map((s) => `${s.host}:${s.port}`).join(', ')}`;
  return 'the configured Redis';
}
