import type { RawData } from 'ws';

/**
 * The text of a frame as `ws` hands it over: one Buffer with the default
 * `binaryType`, an array of Buffers or an ArrayBuffer with the others.
 */
export function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}
