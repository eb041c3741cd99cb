/**
 * What a `setChanAttrs` request does to a channel's attributes (BEHAVIOUR §5.6),
 * defined once for the memory store and the testing kit's fake server (the
 * Redis store does the same in Lua).
 */
import { ErrorCode } from './error-code.js';
import type { WireChannelAttribute } from './frames.js';
import { ChannelAttributeLimits } from './channel-attribute-limits.js';
import { utf8Bytes } from './limits.js';
import { refusal, type Refusal } from './refusal.js';
import { AttributeOp } from './vocabulary.js';

/** One write: `op` with its attributes or keys, by user `by` at `ts` (server wall-clock ms). */
export interface ChannelAttributeWrite {
  readonly op: AttributeOp;
  readonly attributes: Readonly<Record<string, string>>;
  readonly keys: readonly string[];
  readonly by: string;
  readonly ts: number;
}

/**
 * The channel's attributes after `write` (a new map; `current` is left
 * alone), or the refusal when they would break the channel's limits.
 * Every attribute it writes records `by` and `ts`; the others keep theirs.
 */
export function applyChannelAttributeOp(
  current: ReadonlyMap<string, WireChannelAttribute>,
  { op, attributes, keys, by, ts }: ChannelAttributeWrite,
): Map<string, WireChannelAttribute> | Refusal {
  const next =
    op === AttributeOp.Set || op === AttributeOp.Clear ? new Map<string, WireChannelAttribute>() : new Map(current);
  if (op === AttributeOp.Set || op === AttributeOp.Merge)
    for (const [key, value] of Object.entries(attributes)) next.set(key, { value, by, ts });
  if (op === AttributeOp.Delete) for (const key of keys) next.delete(key);
  if (next.size > ChannelAttributeLimits.count)
    return refusal(ErrorCode.LimitExceeded, `more than ${ChannelAttributeLimits.count} channel attributes`);
  let total = 0;
  for (const [key, { value }] of next) total += utf8Bytes(key) + utf8Bytes(value);
  if (total > ChannelAttributeLimits.totalBytes)
    return refusal(
      ErrorCode.LimitExceeded,
      `more than ${ChannelAttributeLimits.totalBytes} bytes of channel attributes`,
    );
  return next;
}

/** The attributes of `keys` (all when absent) that `attributes` holds, as a record. */
export function pickChannelAttributes(
  attributes: ReadonlyMap<string, WireChannelAttribute>,
  keys: readonly string[] | undefined,
): Record<string, WireChannelAttribute> {
  const wanted = keys ?? [...attributes.keys()];
  return Object.fromEntries(wanted.filter((key) => attributes.has(key)).map((key) => [key, attributes.get(key)!]));
}
