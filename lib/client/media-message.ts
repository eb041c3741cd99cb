/**
 * Media messages (BEHAVIOUR §7.6) to and from the wire: the fields that
 * name a stored file travel as JSON in the message's bytes, under their own
 * names, the thumbnail as its second part. One check serves sending and
 * receiving. Only rx-rtm/media's `enableMediaMessages` brings this in.
 */
import { fromBase64, toBase64 } from '../protocol/base64.js';
import type { MessageType } from '../protocol/vocabulary.js';
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

type MediaFields = Omit<RtmMediaMessage, 'messageType' | 'thumbnail'>;

const TEXTS = ['fileName', 'description'] as const;
const COUNTS = ['size', 'width', 'height', 'thumbnailWidth', 'thumbnailHeight'] as const;

/** The fields of `source`, defaults filled in ('' and 0), or `undefined` if one is of the wrong kind. */
function mediaFields(source: Partial<Record<keyof MediaFields, unknown>>): MediaFields | undefined {
  const { mediaId } = source;
  const fields: Partial<Record<keyof MediaFields, unknown>> = { mediaId };
  for (const key of TEXTS) fields[key] = source[key] ?? '';
  for (const key of COUNTS) fields[key] = source[key] ?? (key === 'size' ? undefined : 0);
  const good =
    typeof mediaId === 'string' &&
    mediaId !== '' &&
    TEXTS.every((key) => typeof fields[key] === 'string') &&
    COUNTS.every((key) => Number.isSafeInteger(fields[key]) && (fields[key] as number) >= 0);
  return good ? (fields as unknown as MediaFields) : undefined;
}

/** The wire form of a media message, or `undefined` if a field is of the wrong kind. */
export function toWireMedia(
  message: Record<string, unknown>,
  type: RtmMediaMessage['messageType'],
): WireMessage | undefined {
  const { thumbnail } = message as { thumbnail?: unknown };
  const fields = mediaFields(message);
  if (!fields || (thumbnail !== undefined && !(thumbnail instanceof Uint8Array))) return undefined;
  const data = toBase64(new TextEncoder().encode(JSON.stringify(fields)));
  return thumbnail?.length ? { type, data, desc: toBase64(thumbnail) } : { type, data };
}

/** The app's form of a media message that arrived, or `undefined` if it does not say what it must. */
export function fromWireMedia({ type, data, desc }: WireMessage): RtmMediaMessage | undefined {
  let fields: MediaFields | undefined;
  try {
    fields = mediaFields(JSON.parse(new TextDecoder().decode(fromBase64(data))) as Record<string, unknown>);
  } catch {
    return undefined;
  }
  const messageType = type as RtmMediaMessage['messageType'];
  return fields && { messageType, ...fields, ...(desc === undefined ? {} : { thumbnail: fromBase64(desc) }) };
}
