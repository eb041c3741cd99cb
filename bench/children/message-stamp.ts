/**
 * The messages benchmark's payload: the sender's clock reading (the
 * monotonic clock every process on the machine shares) at the start of the
 * text, padded to the size asked for, carried in base64 as rx-rtm carries
 * every message (lib/protocol/wire-message.ts). A receiver reads the stamp
 * back from the first base64 characters without decoding the rest.
 */

/** Digits of the stamp: 15 bytes, so exactly 20 base64 characters encode it. */
const STAMP_BYTES = 15;
export const STAMP_BASE64_CHARS = (STAMP_BYTES / 3) * 4;

/** The base64 payload of a `bytes`-byte text message stamped `sentAt` (ms). */
export function stampedPayload(sentAt: number, bytes: number): string {
  const stamp = sentAt.toFixed(3).padStart(STAMP_BYTES, '0');
  return Buffer.from(stamp + 'x'.repeat(Math.max(0, bytes - STAMP_BYTES))).toString('base64');
}

/** The stamp of a frame whose payload starts right after `marker`; NaN when the frame has none. */
export function readStamp(frame: Buffer, marker: Buffer): number {
  const at = frame.indexOf(marker);
  if (at < 0) return Number.NaN;
  const start = at + marker.length;
  return Number(Buffer.from(frame.toString('latin1', start, start + STAMP_BASE64_CHARS), 'base64').toString('latin1'));
}
