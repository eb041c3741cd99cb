/**
 * The limits of BEHAVIOUR §5, in one place for the client (which refuses early)
 * and the server (which refuses for certain), so both always agree.
 */
import { ErrorCode } from './error-code.js';
import { refusal, type Refusal } from './refusal.js';

export const Limits = {
  /** Channels one client may have joined at once. */
  joinedChannels: 20,
  /** Peers one client may subscribe to for online status. */
  subscribedPeers: 512,
  /** Attribute pairs a user may hold. */
  attributes: 32,
  attributeKeyBytes: 32,
  attributePairBytes: 8 * 1024,
  /** Bytes of keys and values one attribute call may carry. */
  attributeCallBytes: 16 * 1024,
  /**
   * Bytes of keys and values a user may hold in all: the same 16 KB, so
   * that a client can always write its attributes back in one call after
   * its session was lost.
   */
  attributeTotalBytes: 16 * 1024,
  /** Characters of a token (a JWT); longer ones are refused before any work. */
  tokenChars: 2048,
  /** Bytes of one message (BEHAVIOUR §7): UTF-8 text, or raw bytes plus the description's UTF-8. */
  messageBytes: 32 * 1024,
} as const;

/** A rate limit: at most `limit` calls in any `windowMs`. */
export interface RateLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/** Per-client rate limits (BEHAVIOUR §5). */
export const RateLimits = {
  login: { limit: 2, windowMs: 1000 },
  join: { limit: 50, windowMs: 3000 },
  getMembers: { limit: 5, windowMs: 2000 },
  queryOnline: { limit: 10, windowMs: 5000 },
  setAttributes: { limit: 10, windowMs: 5000 },
  getAttributes: { limit: 40, windowMs: 5000 },
  /** Peer and channel messages together (BEHAVIOUR §7). */
  messages: { limit: 180, windowMs: 3000 },
} as const satisfies Record<string, RateLimit>;

const encoder = new TextEncoder();
/** `text`'s length in UTF-8 bytes, as every limit counts it. */
export const utf8Bytes = (text: string) => encoder.encode(text).length;

/** Bytes of keys and values together, in UTF-8, as the limits count them. */
export function attributeBytes(attributes: Iterable<readonly [string, string]>): number {
  let total = 0;
  for (const [key, value] of attributes) total += utf8Bytes(key) + utf8Bytes(value);
  return total;
}

/** Checks attribute keys (for deletes and reads): strings of 1 to 32 bytes. */
export function attributeKeysProblem(keys: unknown): Refusal | undefined {
  if (!Array.isArray(keys)) return refusal(ErrorCode.InvalidArgument, 'keys must be an array');
  for (const key of keys) {
    if (typeof key !== 'string' || key.length === 0 || utf8Bytes(key) > Limits.attributeKeyBytes) {
      return refusal(ErrorCode.InvalidArgument, `keys must be strings of 1 to ${Limits.attributeKeyBytes} bytes`);
    }
  }
  return undefined;
}

/** Checks the attributes one call writes: key and pair sizes, string values, the per-call total. */
export function attributesProblem(attributes: unknown): Refusal | undefined {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    return refusal(ErrorCode.InvalidArgument, 'attributes must be an object');
  }
  const entries = Object.entries(attributes);
  const keys = attributeKeysProblem(entries.map(([key]) => key));
  if (keys) return keys;
  let total = 0;
  for (const [key, value] of entries) {
    if (typeof value !== 'string') return refusal(ErrorCode.InvalidArgument, `attribute ${key} must be a string`);
    const pair = utf8Bytes(key) + utf8Bytes(value);
    if (pair > Limits.attributePairBytes) {
      return refusal(ErrorCode.InvalidArgument, `attribute ${key} is over ${Limits.attributePairBytes} bytes`);
    }
    total += pair;
  }
  if (total > Limits.attributeCallBytes) {
    return refusal(ErrorCode.LimitExceeded, `attributes over ${Limits.attributeCallBytes} bytes`);
  }
  if (entries.length > Limits.attributes) {
    return refusal(ErrorCode.LimitExceeded, `more than ${Limits.attributes} attributes`);
  }
  return undefined;
}
