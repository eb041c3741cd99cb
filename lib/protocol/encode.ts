/**
 * Typed frame -> text. Kept apart from the decoders so that a browser
 * bundle, which only encodes with it, carries no schema library.
 */
import type { ClientFrame, ServerFrame } from './frames.js';

/** Encodes a frame of either direction. */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event frame before its recipient's sequence number is known. */
export type EventBody = DistributiveOmit<Extract<ServerFrame, { seq: number }>, 'seq'>;

/** Encodes an event without `seq`, once for all its recipients; each adds its own `seq`. */
export function encodeEventBody(event: EventBody): string {
  return JSON.stringify(event);
}
