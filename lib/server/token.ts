/**
 * Tokens (BEHAVIOUR §6) are standard JWTs (RFC 7519) signed with the app's secret
 * by HS256, so that any JWT library can mint them: header
 * `{"alg":"HS256","typ":"JWT"}`, claims `sub` (the uid), `aud` (the app id,
 * or an array holding it, as golang-jwt writes it),
 * `exp` (expiry, seconds since the epoch), `iat` (optional) and `nbf`
 * (optional, honoured). docs/TOKENS.md shows minting in several languages.
 * Minting belongs to the app's backend (or the `rx-rtm-server token`
 * command), never to a browser, which is why this lives in `rx-rtm/server`.
 *
 * Verification uses node:crypto directly, synchronously: it is on the login
 * path, and a JWT library's async verify is slower (bench/token-verify.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../protocol/error-code.js';
import { Limits } from '../protocol/limits.js';

function base64urlJson(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The header every token carries; `typ` may be left out (jose's `SignJWT` does unless asked). */
const HEADER = base64urlJson({ alg: 'HS256', typ: 'JWT' });

/** Headers as JWT libraries spell them, known good without decoding: most logins skip a JSON.parse. */
const USUAL_HEADERS = new Set([HEADER, base64urlJson({ alg: 'HS256' })]);

/**
 * How far ahead of the server's clock a token's `nbf` may be and still count
 * as reached: a backend that mints with `nbf` = now on a clock slightly
 * ahead of ours must not see its fresh tokens refused. `exp` has no leeway,
 * so a token never lives longer than its backend said.
 */
export const NOT_BEFORE_LEEWAY_MS = 5000;

export interface CreateTokenOptions {
  appId: string;
  appSecret: string;
  uid: string;
  /** Lifetime from now; `exp` is in whole seconds, so the expiry is rounded down to one. */
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
  const claims = {
    sub: uid,
    aud: appId,
    iat: Math.floor(now / 1000),
    exp: Math.floor((now + expiresInSeconds * 1000) / 1000),
  };
  const body = `${HEADER}.${base64urlJson(claims)}`;
  return `${body}.${sign(appSecret, body).toString('base64url')}`;
}

export type TokenCheck =
  { ok: true; expiresAt: number } | { ok: false; code: typeof ErrorCode.InvalidToken | typeof ErrorCode.TokenExpired };

const invalid: TokenCheck = { ok: false, code: ErrorCode.InvalidToken };

/**
 * The bytes `part` spells in base64url, if it is their one canonical
 * spelling: Buffer.from skips bad characters, padding and spare bits.
 */
function canonicalBytes(part: string): Buffer | undefined {
  const bytes = Buffer.from(part, 'base64url');
  return bytes.length > 0 && bytes.toString('base64url') === part ? bytes : undefined;
}

/** A JSON object in base64url, or undefined for anything else. */
function jsonObject(part: string): Record<string, unknown> | undefined {
  const bytes = canonicalBytes(part);
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** HS256 and at most `typ: "JWT"` besides: no other algorithm, no key id, nothing we would have to act on. */
function isOurHeader(header: Record<string, unknown> | undefined): boolean {
  return (
    header?.alg === 'HS256' &&
    Object.keys(header).every((key) => key === 'alg' || (key === 'typ' && header.typ === 'JWT'))
  );
}

/** A NumericDate: seconds since the epoch, fractions allowed. */
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Checks a token for `appId` and `uid`. The signature is compared in
 * constant time before the header or claims are even parsed: until then
 * they are anyone's bytes. `expiresAt` is `exp` in ms since the epoch.
 */
export function verifyToken(
  token: string,
  appId: string,
  uid: string,
  appSecret: string,
  now = Date.now(),
): TokenCheck {
  if (token.length > Limits.tokenChars) return invalid;
  const headerEnd = token.indexOf('.');
  const payloadEnd = token.lastIndexOf('.');
  // A dot inside the payload part fails its canonical decoding below.
  if (headerEnd === payloadEnd) return invalid;
  const given = canonicalBytes(token.slice(payloadEnd + 1));
  const expected = sign(appSecret, token.slice(0, payloadEnd));
  if (!given || given.length !== expected.length || !timingSafeEqual(given, expected)) return invalid;

  const header = token.slice(0, headerEnd);
  if (!USUAL_HEADERS.has(header) && !isOurHeader(jsonObject(header))) return invalid;
  const claims = jsonObject(token.slice(headerEnd + 1, payloadEnd));
  if (!claims) return invalid;
  const { sub, aud, exp, nbf, iat } = claims;
  if (sub !== uid || !(aud === appId || (Array.isArray(aud) && aud.includes(appId))) || !isNumericDate(exp))
    return invalid;
  if (iat !== undefined && !isNumericDate(iat)) return invalid;
  if (nbf !== undefined && (!isNumericDate(nbf) || nbf * 1000 > now + NOT_BEFORE_LEEWAY_MS)) return invalid;
  const expiresAt = Math.round(exp * 1000);
  if (expiresAt <= now) return { ok: false, code: ErrorCode.TokenExpired };
  return { ok: true, expiresAt };
}
