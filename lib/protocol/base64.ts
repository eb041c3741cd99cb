/**
 * Base64 with the platform's `btoa`/`atob` (browsers and Node alike), for
 * message bytes on the wire: a bundle-sized alternative to a library.
 */

/** Canonical, padded base64; anything else is not message data. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes `text` decodes to, or `undefined` when it is not canonical base64; nothing is decoded. */
export function base64Bytes(text: string): number | undefined {
  if (!BASE64.test(text)) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // In slices, since spreading a whole 32 KB array into one call can overflow the stack.
  for (let start = 0; start < bytes.length; start += 8192)
    binary += String.fromCharCode(...bytes.subarray(start, start + 8192));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}
