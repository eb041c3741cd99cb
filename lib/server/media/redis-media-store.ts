/**
 * Media files in Redis (BEHAVIOUR §7.6), for a cluster whose nodes share no
 * directory: a file uploaded through one node downloads through any other.
 * Redis holds every file in memory for its 7 days, so this store takes
 * files up to {@link REDIS_MEDIA_MAX_BYTES} (8 MB), not the SDK's 30 MB.
 *
 * Neither way holds a whole file in one buffer: an upload is appended to a
 * key chunk by chunk as it arrives (APPEND, each awaited, so a slow Redis
 * slows the upload rather than filling the node's memory), and a download
 * reads it back in ranges (GETRANGE) as the response drains. The upload's
 * key expires by itself within the hour, so a node that dies mid-upload
 * leaves nothing for good; once whole, it is renamed into place and given,
 * with its record, the file's expiry (PX): Redis itself forgets it on
 * time, and `sweep` has nothing to do.
 *
 * Keys, beside the presence store's and under the same app hash tag
 * (`rtm:{app}:`), so one file's keys share a Redis Cluster slot:
 *   md:<id>           string  the bytes
 *   mr:<id>           string  its record, JSON
 *   mu:<id>:<random>  string  an upload on its way
 */
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RedisClient } from '../../store/redis/connection.js';
import { appTag } from '../../store/redis/served-app.js';
import { MediaPutFailure, type MediaFile, type MediaPut, type MediaRecord, type MediaStore } from './media-store.js';

/** The largest file this store takes by default: Redis keeps every file in memory for as long as it is kept. */
export const REDIS_MEDIA_MAX_BYTES = 8 * 1024 * 1024;

/** How long an unfinished upload's key lives, in ms, should its node die before deleting it. */
const INCOMING_TTL_MS = 3600_000;
/** Bytes read back per GETRANGE. */
const READ_CHUNK = 256 * 1024;
const MEDIA_ID = /^[0-9a-f]{32}$/;

export interface RedisMediaStoreOptions {
  /** A connection of its own (the store never closes it): `commandConnection` of the node's Redis settings. */
  readonly redis: RedisClient;
  /** How long a file is kept after it was stored, in ms. */
  readonly ttlMs: number;
  /** First part of every key; default `rtm`, as the presence store's. */
  readonly keyPrefix?: string;
  /** New media ids; default 128 random bits in hex (tests inject their own). */
  readonly newId?: () => string;
}

/** The error that stops an upload at the first byte over the limit. */
class TooLarge extends Error {}

export class RedisMediaStore implements MediaStore {
  readonly #redis: RedisClient;
  readonly #ttlMs: number;
  readonly #keyPrefix: string;
  readonly #newId: () => string;

  constructor({
    redis,
    ttlMs,
    keyPrefix = 'rtm',
    newId = () => randomBytes(16).toString('hex'),
  }: RedisMediaStoreOptions) {
    this.#redis = redis;
    this.#ttlMs = ttlMs;
    this.#keyPrefix = keyPrefix;
    this.#newId = newId;
  }

  #key(appId: string, kind: 'md' | 'mr' | 'mu', name: string): string {
    return `${this.#keyPrefix}:{${appTag(appId)}}:${kind}:${name}`;
  }

  async put(appId: string, body: Readable, contentType: string, maxBytes: number, now: number): Promise<MediaPut> {
    const mediaId = this.#newId();
    const incoming = this.#key(appId, 'mu', `${mediaId}:${randomBytes(4).toString('hex')}`);
    const redis = this.#redis;
    let size = 0;
    try {
      // Made first, empty, with its own expiry, which APPEND keeps; an empty file is then a key too.
      await redis.set(incoming, '', 'PX', INCOMING_TTL_MS);
      await pipeline(
        body,
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            size += chunk.length;
            if (size > maxBytes) return done(new TooLarge());
            redis.append(incoming, chunk).then(() => done(), done);
          },
        }),
      );
      const record: MediaRecord = { size, contentType, storedAt: now };
      const ttl = this.#ttlMs;
      // One transaction: the bytes and their record appear together, both expiring with the file.
      const replies = await redis
        .multi()
        .rename(incoming, this.#key(appId, 'md', mediaId))
        .pexpire(this.#key(appId, 'md', mediaId), ttl)
        .set(this.#key(appId, 'mr', mediaId), JSON.stringify(record), 'PX', ttl)
        .exec();
      const failed = replies?.find(([error]) => error);
      if (!replies || failed) throw failed?.[0] ?? new Error('media upload transaction discarded');
      return { ok: true, mediaId, record };
    } catch (error) {
      await redis.del(incoming).catch(() => undefined);
      if (error instanceof TooLarge) return { ok: false, reason: MediaPutFailure.TooLarge };
      throw error;
    }
  }

  async open(appId: string, mediaId: string, now: number): Promise<MediaFile | undefined> {
    if (!MEDIA_ID.test(mediaId)) return undefined;
    const json = await this.#redis.get(this.#key(appId, 'mr', mediaId));
    const record = json === null ? undefined : (JSON.parse(json) as MediaRecord);
    if (!record || record.storedAt + this.#ttlMs <= now) return undefined;
    return { record, body: this.#reader(this.#key(appId, 'md', mediaId), record.size) };
  }

  /** The `size` bytes of `key`, a range at a time; fails if they end sooner (the file expired meanwhile). */
  #reader(key: string, size: number): Readable {
    let offset = 0;
    const redis = this.#redis;
    return new Readable({
      highWaterMark: READ_CHUNK,
      read() {
        if (offset >= size) return void this.push(null);
        const end = Math.min(offset + READ_CHUNK, size) - 1;
        redis.getrangeBuffer(key, offset, end).then(
          (chunk) => {
            if (chunk.length !== end - offset + 1) return this.destroy(new Error(`media ${key} went while read`));
            offset += chunk.length;
            this.push(chunk);
          },
          (error: Error) => this.destroy(error),
        );
      },
    });
  }

  /** Nothing: Redis expires every file by itself. */
  sweep(): Promise<void> {
    return Promise.resolve();
  }
}
