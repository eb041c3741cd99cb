/**
 * Messages as apps see them (BEHAVIOUR §7), and their conversion to and from
 * the wire form (base64 bytes, wire-message.ts). The size rule is checked
 * on the wire form by the code the server runs, so both always agree.
 */
import { fromBase64, toBase64 } from '../protocol/base64.js';
import { ErrorCode } from '../protocol/error-code.js';
import { RtmError } from '../protocol/rtm-error.js';
import { MessageType } from '../protocol/vocabulary.js';
import { wireMessageProblem, type WireMessage } from '../protocol/wire-message.js';
import type { RtmMediaMessage } from './media-message.js';
import { refusalError } from './refusal-error.js';

/** A text message: UTF-8 on the wire, at most 32,768 bytes of it. */
export interface RtmTextMessage {
  readonly messageType: typeof MessageType.Text;
  readonly text: string;
}

/** A raw message: bytes and an optional description, at most 32,768 bytes together (the description in UTF-8). */
export interface RtmRawMessage {
  readonly messageType: typeof MessageType.Raw;
  readonly rawMessage: Uint8Array;
  readonly description?: string;
}

/** A message as received: it always says its `messageType`. */
export type RtmMessage = RtmTextMessage | RtmRawMessage | RtmMediaMessage;

/** A message to send: a received one, or `{ text }` alone for a text message. */
export type OutgoingMessage = RtmMessage | { readonly text: string };

/**
 * Media messages' conversions (BEHAVIOUR §7.6), installed by rx-rtm/media's `enableMediaMessages`, so that an app
 * without media carries none of them.
 */
export interface MediaCodec {
  toWire(message: Record<string, unknown>, type: RtmMediaMessage['messageType']): WireMessage | undefined;
  fromWire(wire: WireMessage): RtmMediaMessage | undefined;
}
let mediaCodec: MediaCodec | undefined;

/** Installs the media conversions for every client of this app. */
export function useMediaCodec(codec: MediaCodec): void {
  mediaCodec = codec;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const utf8 = (text: string) => toBase64(encoder.encode(text));
const invalid = (why: string) => new RtmError(ErrorCode.InvalidArgument, `message ${why}`);

/** The wire form of an app's message, or the error it is refused with (INVALID_ARGUMENT, LIMIT_EXCEEDED). */
export function toWireMessage(message: unknown): WireMessage | RtmError {
  if (typeof message !== 'object' || message === null) return invalid('must be an object');
  const { messageType, text, rawMessage, description } = message as Record<string, unknown>;
  let wire: WireMessage;
  if (messageType === MessageType.Raw) {
    if (!(rawMessage instanceof Uint8Array)) return invalid('rawMessage must be a Uint8Array');
    if (description !== undefined && typeof description !== 'string') return invalid('description must be a string');
    wire = { type: MessageType.Raw, data: toBase64(rawMessage), ...(description ? { desc: utf8(description) } : {}) };
  } else if (mediaCodec && (messageType === MessageType.Image || messageType === MessageType.File)) {
    const media = mediaCodec.toWire(message as Record<string, unknown>, messageType);
    if (!media) return invalid('fields of the wrong kind');
    wire = media;
  } else if (messageType === MessageType.Text || messageType === undefined) {
    if (typeof text !== 'string') return invalid('text must be a string');
    wire = { type: MessageType.Text, data: utf8(text) };
  } else return invalid('type must be TEXT or RAW');
  return refusalError(wireMessageProblem(wire)) ?? wire;
}

/** The app's form of a message that arrived, or `undefined` for one the server should not have sent. */
export function fromWireMessage({ type, data, desc }: WireMessage): RtmMessage | undefined {
  if (wireMessageProblem({ type, data, desc })) return undefined;
  if (type === MessageType.Text) return { messageType: type, text: decoder.decode(fromBase64(data)) };
  if (type === MessageType.Image || type === MessageType.File) return mediaCodec?.fromWire({ type, data, desc });
  return {
    messageType: type,
    rawMessage: fromBase64(data),
    description: desc === undefined ? '' : decoder.decode(fromBase64(desc)),
  };
}
