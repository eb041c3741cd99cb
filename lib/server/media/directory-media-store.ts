/**
 * Media files in a directory (BEHAVIOUR §7.6): one node's own (the default,
 * under the system's temp directory), or one that every node of a cluster
 * mounts, which makes a file uploaded through one node download through
 * any other. An upload streams into a temp file of the same directory and
 * is renamed into place whole, so a reader never sees part of a file and a
 * cut or oversized upload leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MediaPutFailure, type MediaFile, type MediaPut, type MediaRecord, type MediaStore } from './media-store.js';

/** A media id: 128 random bits in hex, so one is never guessed, nor a path. */
const MEDIA_ID = /^[0-9a-f]{32}$/;
const INCOMING = '.incoming';

/** The error that stops a pipeline at the first byte over the limit. */
class TooLarge extends Error {}

/** Passes bytes on while they total at most `maxBytes`, counting them; fails at the first one past it. */
function byteLimit(maxBytes: number): Transform & { bytes: number } {
  const limit = Object.assign(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        limit.bytes += chunk.length;
        done(limit.bytes > maxBytes ? new TooLarge() : null, chunk);
      },
    }),
    { bytes: 0 },
  );
  return limit;
}

export interface DirectoryMediaStoreOptions {
  readonly dir: string;
  /** How long a file is kept after it was stored, in ms. */
  readonly ttlMs: number;
  /** New media ids; default 128 random bits in hex (tests inject their own). */
  readonly newId?: () => string;
}

export class DirectoryMediaStore implements MediaStore {
  readonly #dir: string;
  readonly #ttlMs: number;
  readonly #newId: () => string;

  constructor({ dir, ttlMs, newId = () => randomBytes(16).toString('hex') }: DirectoryMediaStoreOptions) {
    this.#dir = dir;
    this.#ttlMs = ttlMs;
    this.#newId = newId;
  }

  /** An app's folder: its id in hex, so any app id is one safe path segment. */
  #appDir(appId: string): string {
    return join(this.#dir, Buffer.from(appId, 'utf8').toString('hex'));
  }

  async put(appId: string, body: Readable, contentType: string, maxBytes: number, now: number): Promise<MediaPut> {
    const incoming = join(this.#dir, INCOMING);
    const appDir = this.#appDir(appId);
    await mkdir(incoming, { recursive: true });
    await mkdir(appDir, { recursive: true });
    const mediaId = this.#newId();
    const temp = join(incoming, `${mediaId}-${randomBytes(4).toString('hex')}`);
    const limit = byteLimit(maxBytes);
    try {
      await pipeline(body, limit, createWriteStream(temp, { flags: 'wx' }));
      const record: MediaRecord = { size: limit.bytes, contentType, storedAt: now };
      // The record last: a file is there once its record is, whole.
      await rename(temp, join(appDir, mediaId));
      await writeFile(`${temp}.json`, JSON.stringify(record), { flag: 'wx' });
      await rename(`${temp}.json`, join(appDir, `${mediaId}.json`));
      return { ok: true, mediaId, record };
    } catch (error) {
      await Promise.all([rm(temp, { force: true }), rm(`${temp}.json`, { force: true })]);
      if (error instanceof TooLarge) return { ok: false, reason: MediaPutFailure.TooLarge };
      throw error;
    }
  }

  async open(appId: string, mediaId: string, now: number): Promise<MediaFile | undefined> {
    if (!MEDIA_ID.test(mediaId)) return undefined;
    const path = join(this.#appDir(appId), mediaId);
    const record = await this.#record(`${path}.json`);
    if (!record || record.storedAt + this.#ttlMs <= now) return undefined;
    const body = createReadStream(path);
    // Opened before it is handed out, so a file swept meanwhile is unknown rather than a failed answer.
    const opened = await new Promise<boolean>((resolve) => {
      body.once('open', () => resolve(true));
      body.once('error', () => resolve(false));
    });
    return opened ? { record, body } : undefined;
  }

  async #record(path: string): Promise<MediaRecord | undefined> {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as MediaRecord;
    } catch {
      return undefined;
    }
  }

  async sweep(now: number): Promise<void> {
    const apps = await readdir(this.#dir, { withFileTypes: true }).catch(() => []);
    for (const app of apps) {
      if (!app.isDirectory() || app.name === INCOMING) continue;
      const appDir = join(this.#dir, app.name);
      for (const name of await readdir(appDir)) {
        if (!name.endsWith('.json')) continue;
        const record = await this.#record(join(appDir, name));
        if (record && record.storedAt + this.#ttlMs > now) continue;
        await rm(join(appDir, name), { force: true });
        await rm(join(appDir, name.slice(0, -'.json'.length)), { force: true });
      }
    }
  }
}
