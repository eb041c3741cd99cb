/**
 * The agora-app server's media store in its Chromium spec: a directory store whose ids count up from 1, saying what
 * became of each upload it was handed, and able to read one slowly, so that a cancel surely comes midway however
 * fast the machine. Slowly rather than not at all: a socket left unread would not see its client close it.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import { DirectoryMediaStore, type MediaFile, type MediaPut, type MediaStore } from '../../lib/server/index.js';

/** An upload the store was handed, once it ended: the id it had (or would have had), and whether it was kept. */
export interface WatchedUpload {
  readonly mediaId: string;
  readonly stored: boolean;
}

/** `body`, each chunk passed on 50 ms late; an error of `body` (a cut upload) is its error. */
function slowly(body: Readable): Readable {
  const slow = new Transform({ transform: (chunk, _encoding, done) => setTimeout(() => done(null, chunk), 50) });
  pipeline(body, slow, () => undefined);
  return slow;
}

export class WatchedMediaStore implements MediaStore {
  /** How many uploads the server handed to the store: every authorised `POST /media`. */
  received = 0;
  /** The uploads that ended, in order. */
  readonly uploads: WatchedUpload[] = [];
  readonly #dir: string;
  readonly #inner: DirectoryMediaStore;
  #ids = 0;
  #slowNext = false;

  constructor(dir: string) {
    this.#dir = dir;
    this.#inner = new DirectoryMediaStore({ dir, ttlMs: 3600_000, newId: () => WatchedMediaStore.id(++this.#ids) });
  }

  /** The `n`th id the store gives, from 1. */
  static id(n: number): string {
    return n.toString(16).padStart(32, '0');
  }

  /** Reads the next upload at 64 KB (a socket read) per 50 ms at most: 24 MB would take 19 s or more. */
  slowNext(): void {
    this.#slowNext = true;
  }

  /** Every file in the store's directory, temp files included, relative to it, sorted. */
  async files(): Promise<string[]> {
    const entries = await readdir(this.#dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => relative(this.#dir, join(entry.parentPath, entry.name)))
      .sort();
  }

  async put(appId: string, body: Readable, contentType: string, maxBytes: number, now: number): Promise<MediaPut> {
    this.received += 1;
    const slow = this.#slowNext;
    this.#slowNext = false;
    // Tests run one upload at a time, so the id last given is this upload's.
    const ended = (stored: boolean) => this.uploads.push({ mediaId: WatchedMediaStore.id(this.#ids), stored });
    try {
      const put = await this.#inner.put(appId, slow ? slowly(body) : body, contentType, maxBytes, now);
      ended(put.ok);
      return put;
    } catch (error) {
      ended(false);
      throw error;
    }
  }

  open(appId: string, mediaId: string, now: number): Promise<MediaFile | undefined> {
    return this.#inner.open(appId, mediaId, now);
  }

  sweep(now: number): Promise<void> {
    return this.#inner.sweep(now);
  }
}
