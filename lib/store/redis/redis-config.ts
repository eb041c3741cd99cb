/**
 * Where a cluster node finds Redis, as `startServer({ redis })` and the
 * command line take it: one server by URL, a primary found through
 * Sentinels (which follow it across a failover), or a Redis Cluster by some
 * of its nodes. Checked before anything connects, so a typo fails the start
 * with a message naming the field.
 */
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { redactRedisUrl } from './connection.js';

/** One Sentinel, or one node of a Redis Cluster. */
export interface SentinelAddress {
  readonly host: string;
  readonly port: number;
}

/** A node of a Redis Cluster: a primary or a replica, any one leads to the others. */
export type ClusterNodeAddress = SentinelAddress;

/**
 * The ioredis options of Sentinel mode a deployment may need: the primary's and the Sentinels' auth and TLS,
 * and `socketTimeout` (how long a silent primary is waited for, 3 s by default here).
 */
export type SentinelModeOptions = Pick<
  RedisOptions,
  | 'socketTimeout'
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

/**
 * One Redis: `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS); `socketTimeout`, how long a silent
 * server is waited for, 3 s by default here.
 */
export interface RedisUrlConfig extends Pick<RedisOptions, 'socketTimeout'> {
  readonly url: string;
}

/**
 * The ioredis Cluster options a deployment may need: the nodes' auth and TLS (`redisOptions`; there too
 * `socketTimeout`, how long a silent node is waited for, 3 s by default here), address mapping, and how long
 * a command waits through a shard's failover. Not `scaleReads`: every read goes to
 * the primary, as a replica may lag behind writes this node already saw.
 */
export type ClusterModeOptions = Pick<
  ClusterOptions,
  | 'redisOptions'
  | 'natMap'
  | 'dnsLookup'
  | 'slotsRefreshTimeout'
  | 'slotsRefreshInterval'
  | 'maxRedirections'
  | 'retryDelayOnFailover'
  | 'retryDelayOnClusterDown'
  | 'retryDelayOnTryAgain'
>;

/** A Redis Cluster, by some of its nodes (its seeds): each app's keys live in the hash slot of its id. */
export interface ClusterConfig extends ClusterModeOptions {
  readonly cluster: readonly ClusterNodeAddress[];
}

export type RedisConfig = RedisUrlConfig | SentinelConfig | ClusterConfig;

/** A Redis configuration that cannot work; the message names the field. */
export class RedisConfigError extends TypeError {
  override readonly name = 'RedisConfigError';
}

/** How a store connects: a URL, ioredis options (Sentinel mode), or a Redis Cluster's seeds and options. */
export interface StoreConnection {
  url?: string;
  redis?: RedisOptions;
  cluster?: { readonly nodes: readonly ClusterNodeAddress[]; readonly options: ClusterOptions };
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
  const given = (['url', 'sentinels', 'cluster'] as const).filter(
    (field) => field in config && (config as unknown as Record<string, unknown>)[field] !== undefined,
  );
  if (given.length !== 1) {
    const got = given.length === 0 ? 'got none' : `got ${given.join(' and ')}`;
    throw new RedisConfigError(`redis takes one of url, sentinels with a name, or cluster, ${got}`);
  }
  if ('url' in config) {
    // Never quoted: it may hold a password.
    if (typeof config.url !== 'string' || !isRedisUrl(config.url))
      throw new RedisConfigError('redis.url must be a URL like redis://[user:password@]host:6379[/db] or rediss://…');
    return {
      url: config.url,
      ...(config.socketTimeout === undefined ? {} : { redis: { socketTimeout: config.socketTimeout } }),
    };
  }
  if ('cluster' in config) {
    const { cluster, ...options } = config;
    return { cluster: { nodes: checkAddresses(cluster, 'redis.cluster'), options } };
  }
  const { sentinels, name, ...options } = config;
  const addresses = checkAddresses(sentinels, 'redis.sentinels');
  if (typeof name !== 'string' || name === '')
    throw new RedisConfigError('redis.name must name the group the Sentinels monitor');
  return {
    redis: {
      ...options,
      sentinels: addresses,
      name,
      failoverDetector: true,
      reconnectOnError: (error) => (/^(READONLY|UNBLOCKED)\b/.test(error.message) ? 2 : false),
    },
  };
}

/** `addresses` as a non-empty array of `{ host, port }` (copied), or an error naming the entry at fault. */
function checkAddresses(addresses: readonly SentinelAddress[], field: string): SentinelAddress[] {
  // (Not Array.isArray, which would narrow a readonly array to any[].)
  if (!(addresses instanceof Array) || addresses.length === 0)
    throw new RedisConfigError(`${field} must be a non-empty array of { host, port }`);
  return addresses.map((address, index) => {
    const where = `${field}[${index}]`;
    if (typeof address?.host !== 'string' || address.host === '')
      throw new RedisConfigError(`${where}.host must be a host name or an IP address`);
    if (!Number.isInteger(address.port) || address.port < 1 || address.port > 65_535)
      throw new RedisConfigError(`${where}.port must be an integer from 1 to 65535, got ${String(address.port)}`);
    return { host: address.host, port: address.port };
  });
}

/** The Redis a connection reaches, for logs and messages (a password hidden). */
export function describeRedis({ url, redis, cluster }: StoreConnection): string {
  if (url !== undefined) return redactRedisUrl(url);
  if (cluster) return `Redis Cluster through ${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(', ')}`;
  if (redis?.sentinels)
    return `primary "${redis.name}" through Sentinel ${redis.sentinels.map((s) => `${s.host}:${s.port}`).join(', ')}`;
  return 'the configured Redis';
}
