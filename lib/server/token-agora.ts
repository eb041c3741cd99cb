/**
 * The original SDK vendor's RTM tokens (AccessToken2, `007…`), for apps set
 * up with the vendor's app certificate (BEHAVIOUR §9.1), so that an existing
 * token service keeps working. agora-token, the vendor's own open-source
 * implementation, parses the token and checks its signature
 * (`from_string`, `verifySignature`): the same code that builds the tokens,
 * so no second reading of the format can drift from it. This file adds what
 * a login needs on top: the app, the RTM service's user, the login
 * privilege and the expiry. Minting is the vendor builder's, as the apps'
 * own token services mint.
 */
import { inflateSync } from 'node:zlib';
import builders from 'agora-token';
import agora, { type ParsedAccessToken2, type ParsedRtmService } from 'agora-token/src/AccessToken2.js';
import { ErrorCode } from '../protocol/error-code.js';
import { Limits } from '../protocol/limits.js';
import type { TokenCheck } from './token.js';

const { AccessToken2, kRtmServiceType, ServiceRtm } = agora;

/** App ids and app certificates are 32 hex digits; the vendor's builder makes no token for anything else. */
export const AGORA_ID = /^[0-9a-fA-F]{32}$/;

const VERSION = '007';

/**
 * Most bytes a token may inflate to. A real one is a few hundred; agora-token
 * inflates without a bound, and 2 KB of deflate can hold 1.5 MB of zeros
 * (milliseconds of CPU per login attempt), so a token past this is refused
 * before it is handed over.
 */
const MAX_INFLATED_BYTES = 16 * 1024;

export interface CreateAgoraTokenOptions {
  appId: string;
  appCertificate: string;
  uid: string;
  /** Lifetime from now, in whole seconds, of the token and of its login privilege. */
  expiresInSeconds: number;
}

/** An AccessToken2 for `uid` of `appId`, built by agora-token's `RtmTokenBuilder` (for the `token` command). */
export function createAgoraToken({ appId, appCertificate, uid, expiresInSeconds }: CreateAgoraTokenOptions): string {
  const token = builders.RtmTokenBuilder.buildToken(appId, appCertificate, uid, expiresInSeconds);
  // The builder answers '' rather than throwing for an id or certificate that is not 32 hex digits.
  if (token === '') throw new RangeError('appId and appCertificate must be 32 hex digits');
  return token;
}

const invalid: TokenCheck = { ok: false, code: ErrorCode.InvalidToken };

function inflatesWithinBound(token: string): boolean {
  try {
    inflateSync(Buffer.from(token.slice(VERSION.length), 'base64'), { maxOutputLength: MAX_INFLATED_BYTES });
    return true;
  } catch {
    return false;
  }
}

/** The RTM service for `uid`'s bytes among the token's, with its login privilege (seconds after issue). */
function loginLifetime(token: ParsedAccessToken2, uid: Buffer): number | undefined {
  for (const service of token.getServices(kRtmServiceType) as ParsedRtmService[]) {
    const lifetime = service.__privileges[ServiceRtm.kPrivilegeLogin];
    if (service.__user_id.equals(uid) && lifetime !== undefined) return lifetime;
  }
  return undefined;
}

/**
 * Checks an AccessToken2 for `appId` and `uid` against the app's
 * certificate. The signature is checked first, so a token that is both
 * forged and expired is INVALID_TOKEN. It expires at its issue time plus
 * the shorter of the token's and the login privilege's lifetimes (the
 * vendor's rule: the whole token's expiry bounds every privilege);
 * `expiresAt` is that, in ms since the epoch. Never throws.
 */
export function verifyAgoraToken(
  token: string,
  appId: string,
  uid: string,
  appCertificate: string,
  now = Date.now(),
): TokenCheck {
  if (token.length > Limits.tokenChars || !token.startsWith(VERSION) || !inflatesWithinBound(token)) return invalid;
  const parsed = new AccessToken2();
  if (!parsed.from_string(token) || !parsed.verifySignature(appCertificate)) return invalid;
  if (!parsed.appId.equals(Buffer.from(appId))) return invalid;
  const lifetime = loginLifetime(parsed, Buffer.from(uid));
  if (lifetime === undefined) return invalid;
  const expiresAt = (parsed.issueTs + Math.min(parsed.expire, lifetime)) * 1000;
  if (expiresAt <= now) return { ok: false, code: ErrorCode.TokenExpired };
  return { ok: true, expiresAt };
}
