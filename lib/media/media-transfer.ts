/**
 * Uploading and downloading media files (BEHAVIOUR §7.6) as observables:
 * progress as it goes, the result last, an unsubscribe cancels. Kept apart
 * from the client (the `rx-rtm/media` entry) so apps without media carry
 * none of it. Uploads go by XMLHttpRequest where there is one (a browser:
 * fetch reports no upload progress and streams a body only over HTTP/2),
 * else by fetch with a streamed body whose reads are the progress (Node).
 */
import { Observable } from 'rxjs';
import { ErrorCode } from '../protocol/error-code.js';
import { RtmError } from '../protocol/rtm-error.js';

/** Who asks and where: the server's URL (its `ws(s)://` one will do) and a logged-in user's credentials. */
export interface MediaServer {
  readonly url: string;
  readonly appId: string;
  readonly uid: string;
  /** The token the user logged in with (or renewed to). */
  readonly token: string;
}

/** Bytes moved so far of `total`. */
export interface MediaProgress {
  readonly current: number;
  readonly total: number;
}

/** What a transfer emits: progress, then once its result. */
export type MediaTransfer<T> =
  { readonly type: 'progress'; readonly progress: MediaProgress } | { readonly type: 'done'; readonly value: T };

/** A stored file, as an upload resolves it. */
export interface UploadedMedia {
  readonly mediaId: string;
  readonly size: number;
}

/** The URL of the media endpoint, or of one file. */
export function mediaUrl({ url }: MediaServer, mediaId?: string): string {
  const base = new URL(url);
  base.protocol = base.protocol === 'wss:' ? 'https:' : base.protocol === 'ws:' ? 'http:' : base.protocol;
  return new URL(mediaId === undefined ? '/media' : `/media/${encodeURIComponent(mediaId)}`, base).href;
}

/** The headers that prove the user. */
export function requestHeaders({ appId, uid, token }: MediaServer): Record<string, string> {
  return { 'x-rtm-app-id': appId, 'x-rtm-uid': uid, authorization: `Bearer ${token}` };
}

/** The error an HTTP status means. */
export function statusError(status: number): RtmError {
  if (status === 413) return new RtmError(ErrorCode.LimitExceeded, "media over the server's limit");
  if (status === 401 || status === 403) return new RtmError(ErrorCode.NotLoggedIn, 'not logged in for media');
  if (status === 404) return new RtmError(ErrorCode.InvalidArgument, 'no such media');
  return new RtmError(ErrorCode.Unknown, `media request failed (HTTP ${status})`);
}

export const failed = (error: unknown) =>
  error instanceof RtmError ? error : new RtmError(ErrorCode.Unknown, `media request failed: ${String(error)}`);

/** Uploads `blob` (its `type` declared to the server); cancelled by unsubscribing. */
export function uploadMedia$(server: MediaServer, blob: Blob): Observable<MediaTransfer<UploadedMedia>> {
  return typeof XMLHttpRequest === 'undefined' ? fetchUpload$(server, blob) : xhrUpload$(server, blob);
}

function xhrUpload$(server: MediaServer, blob: Blob): Observable<MediaTransfer<UploadedMedia>> {
  return new Observable((subscriber) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', mediaUrl(server));
    for (const [name, value] of Object.entries(requestHeaders(server))) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) =>
      subscriber.next({ type: 'progress', progress: { current: event.loaded, total: blob.size } });
    xhr.onerror = () => subscriber.error(failed('network error'));
    xhr.onload = () => {
      if (xhr.status !== 201) return subscriber.error(statusError(xhr.status));
      subscriber.next({ type: 'done', value: JSON.parse(xhr.responseText) as UploadedMedia });
      subscriber.complete();
    };
    xhr.send(blob);
    return () => xhr.abort();
  });
}

/** How much of a file a streamed upload reads at a time: 256 KB, so progress comes about a hundred times in 25 MB. */
const UPLOAD_SLICE_BYTES = 256 * 1024;

function fetchUpload$(server: MediaServer, blob: Blob): Observable<MediaTransfer<UploadedMedia>> {
  return new Observable((subscriber) => {
    const abort = new AbortController();
    let current = 0;
    // Read slice by slice: each slice is sent before the next is read, so the reads are the progress.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (current >= blob.size) return controller.close();
        const slice = new Uint8Array(await blob.slice(current, current + UPLOAD_SLICE_BYTES).arrayBuffer());
        current += slice.length;
        controller.enqueue(slice);
        subscriber.next({ type: 'progress', progress: { current, total: blob.size } });
      },
    });
    const init = {
      method: 'POST',
      headers: { ...requestHeaders(server), 'content-type': blob.type || 'application/octet-stream' },
      body,
      duplex: 'half',
      signal: abort.signal,
    };
    fetch(mediaUrl(server), init as RequestInit).then(
      async (response) => {
        if (response.status !== 201) return subscriber.error(statusError(response.status));
        subscriber.next({ type: 'done', value: (await response.json()) as UploadedMedia });
        subscriber.complete();
      },
      (error: unknown) => subscriber.error(failed(error)),
    );
    return () => abort.abort();
  });
}

/** Downloads media `mediaId` as a Blob of its served type; cancelled by unsubscribing. */
export function downloadMedia$(server: MediaServer, mediaId: string): Observable<MediaTransfer<Blob>> {
  return new Observable((subscriber) => {
    const abort = new AbortController();
    (async () => {
      const response = await fetch(mediaUrl(server, mediaId), {
        headers: requestHeaders(server),
        signal: abort.signal,
      });
      if (response.status !== 200 || !response.body) throw statusError(response.status);
      const total = Number(response.headers.get('content-length'));
      const reader = response.body.getReader();
      const parts: Uint8Array[] = [];
      let current = 0;
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        parts.push(read.value);
        current += read.value.length;
        subscriber.next({ type: 'progress', progress: { current, total } });
      }
      const type = response.headers.get('content-type') ?? 'application/octet-stream';
      subscriber.next({ type: 'done', value: new Blob(parts as BlobPart[], { type }) });
      subscriber.complete();
    })().catch((error: unknown) => subscriber.error(failed(error)));
    return () => abort.abort();
  });
}
