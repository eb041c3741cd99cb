/**
 * Media messages from files (BEHAVIOUR §7.6): upload a file and get the
 * message that names it, or name a file already stored, ready for
 * `sendMessageToPeer` or a channel's `sendMessage`.
 */
import { map, type Observable } from 'rxjs';
import type { RtmMediaMessage } from '../client/media-message.js';
import {
  failed,
  mediaUrl,
  requestHeaders,
  statusError,
  uploadMedia$,
  type MediaServer,
  type MediaTransfer,
} from './media-transfer.js';

/** What a media message says besides its file's id and size. */
export type MediaMessageParams = Pick<RtmMediaMessage, 'messageType'> &
  Partial<Omit<RtmMediaMessage, 'messageType' | 'mediaId' | 'size'>>;

function message(mediaId: string, size: number, params: MediaMessageParams): RtmMediaMessage {
  const { messageType, fileName = '', description = '', thumbnail, width = 0, height = 0 } = params;
  const { thumbnailWidth = 0, thumbnailHeight = 0 } = params;
  return {
    messageType,
    mediaId,
    size,
    fileName,
    description,
    ...(thumbnail ? { thumbnail } : {}),
    width,
    height,
    thumbnailWidth,
    thumbnailHeight,
  };
}

/** Uploads `blob` and emits, after its progress, the message that names it; an unsubscribe cancels. */
export function uploadMediaMessage$(
  server: MediaServer,
  blob: Blob,
  params: MediaMessageParams,
): Observable<MediaTransfer<RtmMediaMessage>> {
  return uploadMedia$(server, blob).pipe(
    map((event) =>
      event.type === 'done' ? { type: 'done', value: message(event.value.mediaId, event.value.size, params) } : event,
    ),
  );
}

/** The message naming media `mediaId`, already stored: its size asked of the server (INVALID_ARGUMENT if none). */
export async function mediaMessageById(
  server: MediaServer,
  mediaId: string,
  params: MediaMessageParams,
): Promise<RtmMediaMessage> {
  const response = await fetch(mediaUrl(server, mediaId), { method: 'HEAD', headers: requestHeaders(server) }).catch(
    (error: unknown) => Promise.reject(failed(error)),
  );
  if (response.status !== 200) throw statusError(response.status);
  return message(mediaId, Number(response.headers.get('content-length')), params);
}
