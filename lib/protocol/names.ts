/**
 * The one definition of a valid uid or channel id (BEHAVIOUR §5), used by the
 * client to refuse early and by the server to refuse for certain, so both
 * sides always agree on what a name is.
 */

/** Longest uid or channel id, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 64;

// Letters, digits, space and the SPEC's punctuation. The allowed set is ASCII,
// so one character is one byte and `length` is the byte count.
const NAME_CHAR = /[A-Za-z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]/;

/** Why a name was refused, or `undefined` when it is valid. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length === 0 || name.length > MAX_NAME_BYTES) return `must be 1 to ${MAX_NAME_BYTES} bytes`;
  // The first character outside the rule, named: what to change, not only what is allowed.
  const other = [...name].find((char) => !NAME_CHAR.test(char));
  if (other !== undefined) return `may not hold ${JSON.stringify(other)}`;
  if (name === 'null') return 'must not be the string "null"';
  return undefined;
}

/** True when `name` is a valid uid or channel id. */
export function isValidName(name: unknown): name is string {
  return nameProblem(name) === undefined;
}
