/**
 * The server's media part as `startServer({ media })` configures it
 * (BEHAVIOUR §7.6): which store, its limit, the `/media` route, the hourly
 * sweep, and the store's connection to close.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PresenceStore } from '../../store/presence-store.js';
import { commandConnection } from '../../store/redis/connection.js';
import { RedisConfigError, type StoreConnection } from '../../store/redis/redis-config.js';
import type { HttpRoute } from '../http-front.js';
import type { ServerClock } from '../server-clock.js';
import type { AppCredential } from '../token-apps.js';
import { DirectoryMediaStore } from './directory-media-store.js';
import { MEDIA_PATH, MediaDefaults, mediaRoute } from './media-route.js';
import type { MediaStore } from './media-store.js';
import { REDIS_MEDIA_MAX_BYTES, RedisMediaStore } from './redis-media-store.js';

/** Media files (BEHAVIOUR §7.6), served at `/media` on the server's port. */
export interface MediaOptions {
  /**
   * Where files are kept: a directory (default `rx-rtm-media` under the system's temp directory); in a cluster,
   * one that every node mounts, so a file uploaded through one node downloads through any other.
   */
  dir?: string;
  /**
   * `'redis'`: in the node's Redis (`redis` or `redisUrl`), at most 8 MB a file unless `maxBytes` says otherwise;
   * the default for a node with Redis and no `dir`. Or another store.
   */
  store?: MediaStore | 'redis';
  /** Largest file, in bytes; default 30 MB (31 457 280 bytes), 8 MB (8 388 608) in Redis. */
  maxBytes?: number;
  /** How long a file is kept, in ms; default 7 days. */
  ttlMs?: number;
}

export interface MediaServiceContext {
  /** The node's Redis, if it runs with one. */
  readonly redis: StoreConnection | undefined;
  readonly apps: ReadonlyMap<string, AppCredential>;
  readonly presence: PresenceStore;
  readonly clock: ServerClock;
  readonly onError: (error: unknown) => void;
}

export interface MediaService {
  readonly routes: Readonly<Record<string, HttpRoute>>;
  /** Stops the hourly sweep and closes a connection the service made. */
  close(): void;
}

/** The media routes of `options` (none when `false`), with the sweep of expired files running. */
export function mediaService(options: MediaOptions | false | undefined, context: MediaServiceContext): MediaService {
  if (options === false) return { routes: {}, close: () => undefined };
  const { dir, ttlMs = MediaDefaults.ttlMs } = options ?? {};
  const chosen = options?.store ?? (context.redis && dir === undefined ? 'redis' : undefined);
  if (chosen === 'redis' && !context.redis) throw new RedisConfigError("media.store 'redis' needs redis or redisUrl");
  const redis = chosen === 'redis' ? commandConnection({ ...context.redis, apps: [] }, 'media') : undefined;
  // Its outages show on the presence store's connection; a media request during one fails by itself.
  redis?.on('error', () => undefined);
  const store: MediaStore = redis
    ? new RedisMediaStore({ redis, ttlMs })
    : chosen !== 'redis' && chosen
      ? chosen
      : new DirectoryMediaStore({ dir: dir ?? join(tmpdir(), 'rx-rtm-media'), ttlMs });
  const maxBytes = options?.maxBytes ?? (redis ? REDIS_MEDIA_MAX_BYTES : MediaDefaults.maxBytes);
  const { apps, presence, clock, onError } = context;
  // Expired media goes hourly; until then a read refuses it by its age.
  const sweeper = setInterval(() => void store.sweep(clock.wall()).catch(onError), 3600_000);
  sweeper.unref();
  return {
    routes: { [`${MEDIA_PATH}/*`]: mediaRoute({ store, maxBytes, apps, presence, clock }) },
    close() {
      clearInterval(sweeper);
      // No request is left to finish (the server closed them), and a quit would wait for a Redis that is down.
      redis?.disconnect();
    },
  };
}
