/**
 * One setting of the command each: read from its flag or else its
 * environment variable, checked, and turned into the value the server
 * takes. Bad input throws a {@link UsageError} naming the flag or variable.
 */
import { isIP } from 'node:net';
import type { LevelWithSilent } from 'pino';
import type { ClusterConfig, SentinelAddress, SentinelConfig } from '../../store/redis/redis-config.js';
import { originOf } from '../origins.js';
import { UsageError, type CliIo } from './io.js';

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** An environment variable; empty counts as unset (as container tools often pass it). */
export function envValue(env: CliIo['env'], name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export interface Setting {
  /** The flag or the variable it came from, to name in a message. */
  source: string;
  raw: string;
}

/** The flag's value if given, else the variable's, else undefined. */
export function setting(
  flagValue: string | undefined,
  flag: string,
  env: CliIo['env'],
  variable: string,
): Setting | undefined {
  if (flagValue !== undefined) return { source: flag, raw: flagValue };
  const raw = envValue(env, variable);
  return raw === undefined ? undefined : { source: variable, raw };
}

export function integer(value: Setting | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = /^\d{1,16}$/.test(value.raw) ? Number(value.raw) : Number.NaN;
  if (!(parsed >= min && parsed <= max)) {
    throw new UsageError(`${value.source} must be an integer from ${min} to ${max}, got ${JSON.stringify(value.raw)}`);
  }
  return parsed;
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function host(value: Setting | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (isIP(value.raw) === 0 && !HOST_NAME.test(value.raw)) {
    throw new UsageError(`${value.source} must be an IP address or a host name, got ${JSON.stringify(value.raw)}`);
  }
  return value.raw;
}

export function logLevel(value: Setting | undefined): LevelWithSilent {
  if (value === undefined) return 'info';
  const level = LOG_LEVELS.find((candidate) => candidate === value.raw);
  if (level === undefined)
    throw new UsageError(`${value.source} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value.raw)}`);
  return level;
}

export function allowedOrigins(value: Setting | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const entries = value.raw.split(',').map((entry) => entry.trim());
  if (entries.includes('*')) {
    if (entries.length > 1) throw new UsageError(`${value.source}: "*" allows every origin and must stand alone`);
    return ['*'];
  }
  for (const entry of entries) {
    if (originOf(entry) !== entry) {
      throw new UsageError(
        `${value.source}: ${JSON.stringify(entry)} is not an origin; ` +
          'write scheme://host[:port] with no path, like https://app.example.com, or "*"',
      );
    }
  }
  return entries;
}

/**
 * A Redis URL (`redis://` or `rediss://`). The value is never quoted in a
 * message: it may carry a password.
 */
export function redisUrl(value: Setting | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value.raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new UsageError(`${value.source} must be a URL like redis://[user:password@]host:6379[/db] or rediss://…`);
  }
  return value.raw;
}

/** `host:port` or `[ipv6]:port`. */
const SENTINEL_ENTRY = /^(?:\[([^\]]+)\]|([^:]+)):([^:]+)$/;

/**
 * The Sentinels (`host:port,…`) and the name of the group they monitor, both or neither, and
 * not beside a Redis URL; with the passwords from the environment only (a flag shows in the
 * process list).
 */
export function redisSentinel(
  sentinels: Setting | undefined,
  name: Setting | undefined,
  url: string | undefined,
  env: CliIo['env'],
): SentinelConfig | undefined {
  if (sentinels === undefined && name === undefined) return undefined;
  if (sentinels === undefined || name === undefined) {
    const [given, missing] = sentinels ? [sentinels.source, 'a group name'] : [name!.source, 'the Sentinels'];
    throw new UsageError(`${given} needs ${missing} too: --redis-sentinels host:port,… and --redis-sentinel-name NAME`);
  }
  if (url !== undefined) throw new UsageError(`${sentinels.source} and a Redis URL exclude each other: give one`);
  const addresses = hostPorts(sentinels);
  if (name.raw.trim() === '') throw new UsageError(`${name.source} must not be blank`);
  const password = envValue(env, 'RTM_REDIS_PASSWORD');
  const sentinelPassword = envValue(env, 'RTM_REDIS_SENTINEL_PASSWORD');
  return {
    sentinels: addresses,
    name: name.raw,
    ...(password === undefined ? {} : { password }),
    ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
  };
}

/** `host:port,…` (`[ipv6]:port` too). */
function hostPorts(value: Setting): SentinelAddress[] {
  return value.raw.split(',').map((entry): SentinelAddress => {
    const match = SENTINEL_ENTRY.exec(entry.trim());
    if (!match) throw new UsageError(`${value.source} must be host:port,…, got ${JSON.stringify(entry.trim())}`);
    const [, ipv6, hostName, port] = match;
    return {
      host: host({ source: value.source, raw: ipv6 ?? hostName }, ''),
      port: integer({ source: value.source, raw: port }, 0, 1, 65_535),
    };
  });
}

/**
 * Some nodes of a Redis Cluster (`host:port,…`, primaries or replicas), not beside another Redis; with
 * the password from the environment only.
 */
export function redisCluster(
  nodes: Setting | undefined,
  otherRedis: Setting | undefined,
  env: CliIo['env'],
): ClusterConfig | undefined {
  if (nodes === undefined) return undefined;
  if (otherRedis !== undefined)
    throw new UsageError(`${nodes.source} and ${otherRedis.source} exclude each other: give one`);
  const password = envValue(env, 'RTM_REDIS_PASSWORD');
  return { cluster: hostPorts(nodes), ...(password === undefined ? {} : { redisOptions: { password } }) };
}
