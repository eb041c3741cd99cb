/**
 * Media messages (BEHAVIOUR §7.6) to and from the wire: what names a stored
 * file (its id, size, name, description, an image's dimensions) travels as
 * JSON in the message's bytes, the thumbnail as its second part. Apart from
 * rtm-message.ts so that file holds the text and raw kinds only.
 */
import { fromBase64, toBase64 } from '../protocol/base64.js';
import { MessageType } from '../protocol/vocabulary.js';
import type { WireMessage } from '../protocol/wire-message.js';

/** An image or a file stored on the server (rx-rtm/media uploads it), sent as a message that names it. */
export interface RtmMediaMessage {
  readonly messageType: typeof MessageType.Image | typeof MessageType.File;
  readonly mediaId: string;
  /** The file's size in bytes. */
  readonly size: number;
  readonly fileName: string;
  readonly description: string;
  /** A small picture of it; the whole message, this included, is at most 32 KB. */
  readonly thumbnail?: Uint8Array;
  /** An image's width and height in pixels; 0 when unknown. */
  readonly width: number;
  readonly height: number;
  /** The thumbnail's width and height in pixels; 0 when unknown. */
  readonly thumbnailWidth: number;
  readonly thumbnailHeight: number;
}

/** The JSON in a media message's bytes, with short keys: they are counted against the 32 KB. */
interface MediaFields {
  id: string;
  size: number;
  name: string;
  desc: string;
  w: number;
  h: number;
  tw: number;
  th: number;
}

const count = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;

/** Why `message` is not a media message to send, or `undefined`. */
export function mediaMessageProblem(message: Record<string, unknown>): string | undefined {
  const { mediaId, size, thumbnail } = message;
  if (typeof mediaId !== 'string' || mediaId === '') return 'mediaId must be a non-empty string';
  if (!count(size)) return 'size must be a whole number of bytes';
  for (const key of ['fileName', 'description'] as const)
    if (message[key] !== undefined && typeof message[key] !== 'string') return `${key} must be a string`;
  for (const key of ['width', 'height', 'thumbnailWidth', 'thumbnailHeight'] as const)
    if (message[key] !== undefined && !count(message[key])) return `${key} must be a whole number of pixels`;
  if (thumbnail !== undefined && !(thumbnail instanceof Uint8Array)) return 'thumbnail must be a Uint8Array';
  return undefined;
}

/** The wire form of a media message that {@link mediaMessageProblem} passed. */
export function toWireMedia(message: Record<string, unknown>, type: RtmMediaMessage['messageType']): WireMessage {
  const fields: MediaFields = {
    id: message.mediaId as string,
    size: message.size as number,
    name: (message.fileName as string | undefined) ?? '',
    desc: (message.description as string | undefined) ?? '',
    w: (message.width as number | undefined) ?? 0,
    h: (message.height as number | undefined) ?? 0,
    tw: (message.thumbnailWidth as number | undefined) ?? 0,
    th: (message.thumbnailHeight as number | undefined) ?? 0,
  };
  const thumbnail = message.thumbnail as Uint8Array | undefined;
  const data = toBase64(new TextEncoder().encode(JSON.stringify(fields)));
  return thumbnail?.length ? { type, data, desc: toBase64(thumbnail) } : { type, data };
}

/** The app's form of a media message that arrived, or `undefined` if it does not say what it must. */
export function fromWireMedia({ type, data, desc }: WireMessage): RtmMediaMessage | undefined {
  let fields: Partial<Record<keyof MediaFields, unknown>>;
  try {
    fields = JSON.parse(new TextDecoder().decode(fromBase64(data))) as typeof fields;
  } catch {
    return undefined;
  }
  const { id, size, name, desc: description, w, h, tw, th } = fields ?? {};
  if (typeof id !== 'string' || typeof name !== 'string' || typeof description !== 'string') return undefined;
  if (![size, w, h, tw, th].every(count)) return undefined;
  return {
    messageType: type as RtmMediaMessage['messageType'],
    mediaId: id,
    size: size as number,
    fileName: name,
    description,
    ...(desc === undefined ? {} : { thumbnail: fromBase64(desc) }),
    width: w as number,
    height: h as number,
    thumbnailWidth: tw as number,
    thumbnailHeight: th as number,
  };
}
