/**
 * Where the server keeps media files (BEHAVIOUR §7.6): an interface, so one
 * node keeps them in a directory of its own and a cluster in a directory
 * all its nodes mount. Files are scoped by app: an id names a file only
 * within the app that stored it.
 */
import type { Readable } from 'node:stream';

/** What the server knows of a stored file besides its bytes. */
export interface MediaRecord {
  readonly size: number;
  /** The type it is served with: an image type the uploader declared, or application/octet-stream. */
  readonly contentType: string;
  /** Wall-clock ms when it was stored; it is gone `ttlMs` later. */
  readonly storedAt: number;
}

/** What {@link MediaStore.put} resolves to: the new id, or why nothing was stored. */
export type MediaPut =
  | { readonly ok: true; readonly mediaId: string; readonly record: MediaRecord }
  | { readonly ok: false; readonly reason: typeof MediaPutFailure.TooLarge };

export const MediaPutFailure = { TooLarge: 'TOO_LARGE' } as const;

/** A file as {@link MediaStore.open} hands it out. */
export interface MediaFile {
  readonly record: MediaRecord;
  readonly body: Readable;
}

export interface MediaStore {
  /**
   * Stores what `body` streams, as a new file of `appId`, once all of it
   * arrived and if it is at most `maxBytes`; leaves nothing behind when it
   * is larger or `body` fails (a cut upload), in which case it rejects.
   */
  put(appId: string, body: Readable, contentType: string, maxBytes: number, now: number): Promise<MediaPut>;
  /** The file `mediaId` of `appId`, unless unknown or older than the time to keep it. */
  open(appId: string, mediaId: string, now: number): Promise<MediaFile | undefined>;
  /** Deletes every file stored before `now - ttlMs`. */
  sweep(now: number): Promise<void>;
}
