/**
 * Which browser pages may open a WebSocket to the server: the check on a
 * WebSocket upgrade's `Origin` header (see `ServerOptions.allowedOrigins`).
 */

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** `value` as a serialized origin (`scheme://host[:port]`), or undefined if it has none (`null`, not a URL). */
export function originOf(value: string): string | undefined {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * The test an upgrade's origin must pass: any loopback origin when
 * `allowedOrigins` is absent, any at all with `['*']`, else exactly those
 * listed. No origin (a client outside a browser) always passes. Throws a
 * TypeError for an entry that is not an origin.
 */
export function originCheck(allowedOrigins: readonly string[] | undefined): (origin: string | undefined) => boolean {
  if (allowedOrigins === undefined) {
    return (origin) => {
      if (origin === undefined) return true;
      try {
        return LOOPBACK_HOST.test(new URL(origin).hostname);
      } catch {
        return false;
      }
    };
  }
  if (allowedOrigins.includes('*')) return () => true;
  const allowed = new Set(
    allowedOrigins.map((entry) => {
      const origin = originOf(entry);
      if (origin === undefined)
        throw new TypeError(`allowedOrigins: ${JSON.stringify(entry)} is not an origin like https://app.example.com`);
      return origin;
    }),
  );
  return (origin) => {
    if (origin === undefined) return true;
    const normalized = originOf(origin);
    return normalized !== undefined && allowed.has(normalized);
  };
}
