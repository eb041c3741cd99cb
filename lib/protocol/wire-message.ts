/**
 * A message (BEHAVIOUR §7) as it travels, inside `sendPeer`, `sendChannel`,
 * `peerMessage` and `channelMessage` frames: its type, and its bytes in
 * base64 (the text's UTF-8; the raw bytes and the description's UTF-8
 * apart). Base64 rather than JSON strings because it bounds a frame: any
 * 32 KB message is at most 43 692 bytes on the wire, where JSON escaping
 * could make 32 KB of text six times larger. The server checks the size
 * from the base64 length and never decodes.
 */
import { base64Bytes } from './base64.js';
import { ErrorCode } from './error-code.js';
import { Limits } from './limits.js';
import { refusal, type Refusal } from './refusal.js';
import { MessageType } from './vocabulary.js';

export interface WireMessage {
  readonly type: MessageType;
  /** The text's UTF-8, or the raw bytes, in base64. */
  readonly data: string;
  /** A raw message's description (UTF-8 in base64), or a media message's thumbnail (§7.6); absent if empty. */
  readonly desc?: string;
}

/** The message fields of a frame, and nothing else of it. */
export function wireMessage({ type, data, desc }: WireMessage): WireMessage {
  return desc === undefined ? { type, data } : { type, data, desc };
}

/** Why a message may not be sent (bad base64, a described text, over 32 KB), or `undefined`. */
export function wireMessageProblem({ type, data, desc }: WireMessage): Refusal | undefined {
  if (type === MessageType.Text && desc !== undefined)
    return refusal(ErrorCode.InvalidArgument, 'a text message has no description');
  const dataBytes = base64Bytes(data);
  const descBytes = desc === undefined ? 0 : base64Bytes(desc);
  if (dataBytes === undefined || descBytes === undefined)
    return refusal(ErrorCode.InvalidArgument, 'message data must be base64');
  if (dataBytes + descBytes > Limits.messageBytes)
    return refusal(ErrorCode.LimitExceeded, `message over ${Limits.messageBytes} bytes`);
  return undefined;
}
