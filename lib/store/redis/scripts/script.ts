/**
 * A Lua script of the Redis store together with its arguments and the
 * reader of its reply, in one object: the reply is checked against the
 * shape the Lua beside it returns and turned into a typed result, so a
 * malformed reply fails with a clear error instead of being read by
 * position through casts.
 */
import * as v from 'valibot';

export interface RedisScript<Input, Result> {
  /** The ioredis command it is defined as. */
  readonly name: string;
  readonly lua: string;
  /** How many keys it gets: KEYS[1], the app's epoch key (every other key of the app is derived from it). */
  readonly keys: 1;
  /**
   * True for the scripts built on the prelude: ARGV[1] and ARGV[2] are the
   * epoch the node knows and the stream's MAXLEN, and a run against another
   * epoch answers {@link isEpochChanged} without changing anything.
   */
  readonly checksEpoch: boolean;
  /** Its own arguments, in ARGV order after the common ones. */
  args(input: Input): Array<string | number>;
  /** Its reply as a typed result; throws {@link MalformedReplyError} for any shape the script does not return. */
  decode(reply: unknown): Result;
}

/** A script answered something it never returns (another version of it, or not our data). */
export class MalformedReplyError extends Error {
  override readonly name = 'MalformedReplyError';
}

/**
 * `replies`: the shapes the script answers, each a tuple whose first item
 * (a word) tells it from the others, read into a typed result.
 */
export function defineScript<Input, const Replies extends readonly v.GenericSchema[]>(definition: {
  name: string;
  lua: string;
  checksEpoch: boolean;
  args: (input: Input) => Array<string | number>;
  replies: Replies;
}): RedisScript<Input, v.InferOutput<Replies[number]>> {
  const { name, lua, checksEpoch, args, replies } = definition;
  return {
    name,
    lua,
    keys: 1,
    checksEpoch,
    args,
    decode(raw) {
      let meant: readonly v.BaseIssue<unknown>[] | undefined;
      for (const shape of replies) {
        const result = v.safeParse(shape, raw);
        if (result.success) return result.output;
        if (!meant && !result.issues.some(isOtherShape)) meant = result.issues;
      }
      throw new MalformedReplyError(
        `Redis script ${name} answered ${JSON.stringify(raw)}: ` +
          (meant ? describe(meant) : 'none of its replies is of that shape'),
      );
    },
  };
}

/** Problems in a reply, with where they are in it. */
function describe(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) =>
      issue.path ? `${issue.message} at ${issue.path.map((item) => String(item.key)).join('.')}` : issue.message,
    )
    .join('; ');
}

/** A problem with the reply's first word: the reply is not of this shape at all (rather than a malformed one of it). */
function isOtherShape(issue: v.BaseIssue<unknown>): boolean {
  return !issue.path || (issue.path.length === 1 && issue.path[0].key === 0);
}

/** The answer of an epoch-checked script run against data lost and rebuilt since the node read the epoch. */
export function isEpochChanged(reply: unknown): boolean {
  return Array.isArray(reply) && reply.length === 1 && reply[0] === 'epoch';
}

/** A stream id the script's events reached (`''` from Lua when it wrote none and did not look): undefined then. */
export const Position = v.pipe(
  v.string(),
  v.transform((id) => (id === '' ? undefined : id)),
);

/** A stream id the script always gives (`lastId()`: its last event's, else the stream's newest, else `0-0`). */
export const StreamId = v.pipe(v.string(), v.regex(/^\d+-\d+$/));

export const Strings = v.array(v.string());

/** The reply `{outcome, position}` of a script that may have written events (`gone` and the like: it wrote none). */
export function outcomeAndPosition<const Outcome extends string>(outcomes: readonly [Outcome, ...Outcome[]]) {
  return v.pipe(
    v.strictTuple([v.picklist(outcomes), Position]),
    v.transform(([outcome, position]) => ({ outcome, position })),
  );
}

/** A hash as Redis flattens it (`HGETALL`): name, value, name, value… */
export const FlatHash = v.pipe(
  Strings,
  v.check((flat) => flat.length % 2 === 0, 'a flattened hash has an even length'),
  v.transform((flat) => {
    const map = new Map<string, string>();
    for (let i = 0; i < flat.length; i += 2) map.set(flat[i], flat[i + 1]);
    return map;
  }),
);

export const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
