/**
 * Typed frame -> text. Kept apart from the decoders so that a browser
 * bundle, which only encodes with it, carries no schema library.
 */
import type { ClientFrame, ServerFrame } from './frames.js';

/** Encodes a frame of either direction. */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}

/** An event frame before its recipient's sequence number is known. */
export type EventBody = {
  [T in Extract<ServerFrame, { seq: number }>['t']]: Omit<Extract<ServerFrame, { t: T }>, 'seq'>;
}[Extract<ServerFrame, { seq: number }>['t']];

/** Encodes an event without `seq`, once for all its recipients; each adds its own `seq`. */
export function encodeEventBody(event: EventBody): string {
  return JSON.stringify(event);
}
