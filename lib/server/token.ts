/**
 * Tokens (SPEC §6): an app id, a uid and an expiry time, signed with the
 * app's secret by HMAC-SHA256. The format is `rtm1.<payload>.<signature>`,
 * both parts base64url, the payload `{"a":appId,"u":uid,"e":expiresAtMs}`.
 * Minting belongs to the app's backend (or the `rx-rtm-server token`
 * command), never to a browser, which is why this lives in `rx-rtm/server`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../protocol/error-code.js';

const VERSION = 'rtm1';

export interface CreateTokenOptions {
  appId: string;
  appSecret: string;
  uid: string;
  /** Lifetime from now; fractions are kept (to the millisecond). */
  expiresInSeconds: number;
  /** Wall clock in ms since the epoch; defaults to `Date.now()`. */
  now?: number;
}

function sign(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** Mints a token for `uid` of `appId`, valid for `expiresInSeconds`. */
export function createToken({ appId, appSecret, uid, expiresInSeconds, now = Date.now() }: CreateTokenOptions): string {
  if (!Number.isFinite(expiresInSeconds)) throw new RangeError('expiresInSeconds must be a finite number');
  const payload = Buffer.from(
    JSON.stringify({ a: appId, u: uid, e: Math.round(now + expiresInSeconds * 1000) }),
  ).toString('base64url');
  const body = `${VERSION}.${payload}`;
  return `${body}.${sign(appSecret, body).toString('base64url')}`;
}

export type TokenCheck =
  | { ok: true; expiresAt: number }
  | { ok: false; code: typeof ErrorCode.InvalidToken | typeof ErrorCode.TokenExpired };

const invalid: TokenCheck = { ok: false, code: ErrorCode.InvalidToken };

/**
 * Checks a token for `appId` and `uid`. The signature is compared in
 * constant time, and before the payload is trusted or even parsed.
 */
export function verifyToken(token: string, appId: string, uid: string, appSecret: string, now = Date.now()): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return invalid;
  const expected = sign(appSecret, `${parts[0]}.${parts[1]}`);
  const given = Buffer.from(parts[2], 'base64url');
  // Buffer.from skips bad characters and ignores spare bits: only the
  // canonical spelling of a signature is that signature.
  if (given.toString('base64url') !== parts[2]) return invalid;
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return invalid;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return invalid;
  }
  if (typeof claims !== 'object' || claims === null) return invalid;
  const { a, u, e } = claims as Record<string, unknown>;
  if (a !== appId || u !== uid || typeof e !== 'number') return invalid;
  if (e <= now) return { ok: false, code: ErrorCode.TokenExpired };
  return { ok: true, expiresAt: e };
}
