/**
 * Messages in the original SDK's shape: `messageType` may be left out when sending, the message then being text
 * unless it has `rawMessage`. Received messages always say it (rx-rtm's `RtmMessage`).
 */
import type { RtmMediaMessage } from '../client/media-message.js';
import type { OutgoingMessage, RtmMessage as CoreMessage } from '../client/rtm-message.js';
import { MessageType } from './status-codes.js';

/** A text message: at most 32 KB of UTF-8. */
export interface RtmTextMessage {
  text: string;
  messageType?: 'TEXT';
  rawMessage?: never;
  description?: never;
}

/** A raw message: bytes and an optional description, at most 32 KB together. */
export interface RtmRawMessage {
  rawMessage: Uint8Array;
  description?: string;
  messageType?: 'RAW';
  text?: never;
}

/** The SDK 1.4's media messages (BEHAVIOUR §7.6): rx-rtm's, with the thumbnail a Blob. */
interface MediaMessage<T extends 'IMAGE' | 'FILE'> extends Omit<RtmMediaMessage, 'messageType' | 'thumbnail'> {
  messageType: T;
  thumbnail?: Blob;
  text?: never;
  rawMessage?: never;
}

/** An image stored on the server, as `createMediaMessageByUploading` makes it. */
export type RtmImageMessage = MediaMessage<'IMAGE'>;
/** A file stored on the server, as `createMediaMessageByUploading` makes it. */
export type RtmFileMessage = MediaMessage<'FILE'>;

/** A message to send or one received. */
export type RtmMessage = RtmTextMessage | RtmRawMessage | RtmImageMessage | RtmFileMessage;

/** The 1.5.1 typings' MessageType has no media kinds: named here as the 1.4 SDK named them. */
const isMedia = (message: RtmMessage): message is RtmImageMessage | RtmFileMessage =>
  message.messageType === 'IMAGE' || message.messageType === 'FILE';

/** A received message in the SDK's shape: a media message's thumbnail as a Blob. */
export function received(message: CoreMessage): RtmMessage {
  if (message.messageType === 'TEXT' || message.messageType === 'RAW') return message;
  const { thumbnail, ...rest } = message;
  const media = rest as RtmImageMessage | RtmFileMessage;
  return thumbnail ? { ...media, thumbnail: new Blob([thumbnail as BlobPart]) } : media;
}

/** The message with its `messageType` said, as `createMessage` returns it and rx-rtm's client takes it. */
export function typedMessage<T extends RtmMessage>(message: Partial<T>): T {
  const messageType =
    message.messageType ?? ((message as Partial<RtmRawMessage>).rawMessage ? MessageType.RAW : MessageType.TEXT);
  return { ...message, messageType } as T;
}

/** The message as rx-rtm's client takes it; anything else goes through unchanged, for the client to refuse. */
function outgoing(message: RtmMessage): OutgoingMessage {
  return typeof message === 'object' && message !== null
    ? (typedMessage<RtmMessage>(message) as OutgoingMessage)
    : message;
}

/**
 * Sends `message` with `send` as rx-rtm's client takes it. A media message's Blob thumbnail is read first (so it
 * alone waits a turn); any other message goes at once, as before.
 */
export function sendAs<T>(message: RtmMessage, send: (message: OutgoingMessage) => Promise<T>): Promise<T> {
  if (typeof message !== 'object' || message === null || !isMedia(message) || !(message.thumbnail instanceof Blob))
    return send(outgoing(message));
  return message.thumbnail.arrayBuffer().then((bytes) => send({ ...message, thumbnail: new Uint8Array(bytes) }));
}
