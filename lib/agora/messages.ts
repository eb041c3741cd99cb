/**
 * Messages in the original SDK's shape: `messageType` may be left out when sending, the message then being text
 * unless it has `rawMessage`. Received messages always say it (rx-rtm's `RtmMessage`).
 */
import type { OutgoingMessage } from '../client/rtm-message.js';
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

/** A message to send or one received. */
export type RtmMessage = RtmTextMessage | RtmRawMessage;

/** The message with its `messageType` said, as `createMessage` returns it and rx-rtm's client takes it. */
export function typedMessage<T extends RtmMessage>(message: Partial<T>): T {
  const messageType =
    message.messageType ?? ((message as Partial<RtmRawMessage>).rawMessage ? MessageType.RAW : MessageType.TEXT);
  return { ...message, messageType } as T;
}

/** The message as rx-rtm's client takes it; anything else goes through unchanged, for the client to refuse. */
export function outgoing(message: RtmMessage): OutgoingMessage {
  return typeof message === 'object' && message !== null
    ? (typedMessage<RtmMessage>(message) as OutgoingMessage)
    : message;
}
