/**
 * Turns on media messages (BEHAVIOUR §7.6) for every client of the app:
 * until it is called, sending an IMAGE or FILE message rejects
 * INVALID_ARGUMENT and one received is dropped. A call rather than an
 * import's side effect, so bundlers keep it, and apps without media carry
 * none of the conversions.
 */
import { fromWireMedia, toWireMedia } from '../client/media-message.js';
import { useMediaCodec } from '../client/rtm-message.js';

export function enableMediaMessages(): void {
  useMediaCodec({ toWire: toWireMedia, fromWire: fromWireMedia });
}
