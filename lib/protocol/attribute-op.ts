/**
 * What an `attrs` request does to a user's attributes, defined once for
 * every store and for the testing kit's fake server.
 */
import { AttributeOp } from './vocabulary.js';

/** A user's attributes after `op` (a new map; `current` is left alone). */
export function applyAttributeOp(
  current: ReadonlyMap<string, string>,
  op: AttributeOp,
  attributes: Readonly<Record<string, string>>,
  keys: readonly string[],
): Map<string, string> {
  const next = op === AttributeOp.Set || op === AttributeOp.Clear ? new Map<string, string>() : new Map(current);
  if (op === AttributeOp.Set || op === AttributeOp.Merge)
    for (const [key, value] of Object.entries(attributes)) next.set(key, value);
  if (op === AttributeOp.Delete) for (const key of keys) next.delete(key);
  return next;
}
