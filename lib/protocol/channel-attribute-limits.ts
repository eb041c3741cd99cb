/**
 * The limits and rates of channel attributes and member counts (BEHAVIOUR §5.6),
 * shared by the client's `rx-rtm/channel-attributes` entry (which refuses early)
 * and the server (which refuses for certain). Apart from limits.ts so that
 * the client's own entry carries none of them.
 */
import { ErrorCode } from './error-code.js';
import { attributeKeysProblem, utf8Bytes, type RateLimit } from './limits.js';
import { refusal, type Refusal } from './refusal.js';

export const ChannelAttributeLimits = {
  /** Attributes a channel may hold; keys are 1 to 32 bytes, as a user's (limits.ts). */
  count: 32,
  valueBytes: 8 * 1024,
  /** Bytes of keys and values a channel holds in all, and so one call may carry. */
  totalBytes: 32 * 1024,
  /** Channels one member-count query may name. */
  countedChannels: 32,
} as const;

/** Per-client rates, as the SDK documents them. */
export const ChannelAttributeRates = {
  write: { limit: 10, windowMs: 5000 },
  read: { limit: 10, windowMs: 5000 },
  memberCount: { limit: 1, windowMs: 1000 },
} as const satisfies Record<string, RateLimit>;

/**
 * Checks the channel attributes one call writes: an object of string values, keys as a user's (limits.ts), each
 * value at most 8 KB, at most 32 attributes and 32 KB in all. Written apart from limits.ts's `attributesProblem`
 * rather than by bounds passed to it, which would grow the client's own entry for a check it never makes.
 */
export function channelAttributesProblem(attributes: unknown): Refusal | undefined {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes))
    return refusal(ErrorCode.InvalidArgument, 'attributes must be an object');
  const keys = Object.keys(attributes);
  const values: unknown[] = Object.values(attributes);
  const badKey = attributeKeysProblem(keys);
  if (badKey) return badKey;
  const bad = values.findIndex(
    (value) => typeof value !== 'string' || utf8Bytes(value) > ChannelAttributeLimits.valueBytes,
  );
  if (bad >= 0)
    return refusal(
      ErrorCode.InvalidArgument,
      `attribute ${keys[bad]} must be a string of at most ${ChannelAttributeLimits.valueBytes} bytes`,
    );
  if (keys.length > ChannelAttributeLimits.count)
    return refusal(ErrorCode.LimitExceeded, `more than ${ChannelAttributeLimits.count} attributes`);
  const total = utf8Bytes(keys.join('')) + utf8Bytes((values as string[]).join(''));
  if (total > ChannelAttributeLimits.totalBytes)
    return refusal(ErrorCode.LimitExceeded, `attributes over ${ChannelAttributeLimits.totalBytes} bytes`);
  return undefined;
}

/** Checks the channel ids of a member-count query: at most 32. */
export function countedChannelsProblem(channels: readonly unknown[]): Refusal | undefined {
  if (channels.length > ChannelAttributeLimits.countedChannels)
    return refusal(ErrorCode.LimitExceeded, `more than ${ChannelAttributeLimits.countedChannels} channels`);
  return undefined;
}
