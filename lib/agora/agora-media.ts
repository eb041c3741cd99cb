/**
 * The SDK 1.4's media calls (BEHAVIOUR §7.6) over rx-rtm/media: promises
 * where rx-rtm has observables, an AbortSignal to cancel (CANCELED), and
 * progress as `{ currentSize, totalSize }`. Thumbnails are Blobs here, bytes
 * in rx-rtm.
 */
import type { Observable, Subscription } from 'rxjs';
import type { RtmMediaMessage } from '../client/media-message.js';
import {
  mediaMessageById,
  uploadMediaMessage$,
  type MediaMessageParams as CoreParams,
} from '../media/media-message-upload.js';
import { downloadMedia$, type MediaServer, type MediaTransfer } from '../media/media-transfer.js';
import { ErrorCode } from '../protocol/error-code.js';
import { RtmError } from '../protocol/rtm-error.js';
import { received, type RtmFileMessage, type RtmImageMessage } from './messages.js';

/** How far a transfer got, in bytes. */
export interface MediaOperationProgress {
  currentSize: number;
  totalSize: number;
}

/** Cancel and progress of one upload or download. */
export interface MediaTransferHandler {
  cancelSignal?: AbortSignal;
  onOperationProgress?: (progress: MediaOperationProgress) => void;
}

/** What a media message says besides its file; `messageType` defaults to FILE. */
export interface MediaMessageParams {
  messageType?: 'IMAGE' | 'FILE';
  fileName?: string;
  description?: string;
  thumbnail?: Blob;
  width?: number;
  height?: number;
  thumbnailWidth?: number;
  thumbnailHeight?: number;
}

const canceled = () => new RtmError(ErrorCode.Canceled, 'media transfer canceled');

/** The transfer as a promise: progress to the handler, its signal cancels it (CANCELED). */
export function transfer<T>(transfer$: Observable<MediaTransfer<T>>, handler: MediaTransferHandler = {}): Promise<T> {
  const { cancelSignal, onOperationProgress } = handler;
  return new Promise<T>((resolve, reject) => {
    if (cancelSignal?.aborted) return reject(canceled());
    let subscription: Subscription | undefined;
    const cancel = () => {
      subscription?.unsubscribe();
      reject(canceled());
    };
    cancelSignal?.addEventListener('abort', cancel, { once: true });
    subscription = transfer$.subscribe({
      next: (event) =>
        event.type === 'done'
          ? resolve(event.value)
          : onOperationProgress?.({ currentSize: event.progress.current, totalSize: event.progress.total }),
      error: reject,
    });
    // Not left on a signal the app may keep for other work once this transfer is over.
    subscription.add(() => cancelSignal?.removeEventListener('abort', cancel));
  });
}

/** rx-rtm's params of the SDK's: the thumbnail read into bytes; a bad type or thumbnail rejects INVALID_ARGUMENT. */
export async function coreParams(params: MediaMessageParams = {}): Promise<CoreParams> {
  const { messageType = 'FILE', thumbnail, ...rest } = params;
  if (messageType !== 'IMAGE' && messageType !== 'FILE')
    throw new RtmError(ErrorCode.InvalidArgument, 'messageType must be IMAGE or FILE');
  if (thumbnail !== undefined && !(thumbnail instanceof Blob))
    throw new RtmError(ErrorCode.InvalidArgument, 'thumbnail must be a Blob');
  return { ...rest, messageType, ...(thumbnail ? { thumbnail: new Uint8Array(await thumbnail.arrayBuffer()) } : {}) };
}

const asMedia = (message: RtmMediaMessage) => received(message) as RtmImageMessage | RtmFileMessage;

/** The SDK's `createMediaMessageByUploading`. */
export async function uploadAsMessage(
  server: MediaServer,
  payload: Blob,
  params?: MediaMessageParams,
  handler?: MediaTransferHandler,
): Promise<RtmImageMessage | RtmFileMessage> {
  if (!(payload instanceof Blob)) throw new RtmError(ErrorCode.InvalidArgument, 'payload must be a Blob');
  return asMedia(await transfer(uploadMediaMessage$(server, payload, await coreParams(params)), handler));
}

/** The SDK's `createMediaMessageByMediaId`. */
export async function messageById(
  server: MediaServer,
  mediaId: string,
  params?: MediaMessageParams,
): Promise<RtmImageMessage | RtmFileMessage> {
  if (typeof mediaId !== 'string' || mediaId === '')
    throw new RtmError(ErrorCode.InvalidArgument, 'mediaId must be a non-empty string');
  return asMedia(await mediaMessageById(server, mediaId, await coreParams(params)));
}

/** The SDK's `downloadMedia`. */
export function download(server: MediaServer, mediaId: string, handler?: MediaTransferHandler): Promise<Blob> {
  return transfer(downloadMedia$(server, mediaId), handler);
}
