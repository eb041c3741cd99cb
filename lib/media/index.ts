/** `rx-rtm/media`: media files (BEHAVIOUR §7.6), apart from the client so apps without media carry none of it. */
export {
  downloadMedia$,
  uploadMedia$,
  type MediaProgress,
  type MediaServer,
  type MediaTransfer,
  type UploadedMedia,
} from './media-transfer.js';
export { mediaMessageById, uploadMediaMessage$, type MediaMessageParams } from './media-message-upload.js';
export type { RtmMediaMessage } from '../client/media-message.js';
export { enableMediaMessages } from './enable-media-messages.js';
