/**
 * What the scripts writing a user's and a channel's attributes share: their common arguments (ARGV[3] to
 * ARGV[9], in this order in both) and the Lua that decodes them, applies the op and checks the limits, so the
 * two stores of attributes count and refuse alike. Each script then writes in its own way.
 */
import type { AttributeOp } from '../../../protocol/frames.js';
import { withPrelude } from './prelude.js';

/** The arguments both attribute scripts take first. */
export interface AttributeWriteInput {
  uid: string;
  session: string;
  op: AttributeOp;
  mostAttributes: number;
  attributes: Readonly<Record<string, string>>;
  keys: readonly string[];
  mostBytes: number;
}

/** The common arguments in ARGV order; a script's own ones follow them (from ARGV[10]). */
export function attributeWriteArgs(input: AttributeWriteInput): Array<string | number> {
  return [
    input.uid,
    input.session,
    input.op,
    input.mostAttributes,
    JSON.stringify(input.attributes),
    JSON.stringify(input.keys),
    input.mostBytes,
  ];
}

const ATTRIBUTE_WRITE = `
local uid, session, op = ARGV[3], ARGV[4], ARGV[5]
local MOST_ATTRIBUTES, MOST_BYTES = tonumber(ARGV[6]), tonumber(ARGV[9])
local given = cjson.decode(ARGV[7])
local dropped = cjson.decode(ARGV[8])
local function asIs(value) return value end
-- A hash as a table of key → decode(stored value).
local function readAttributes(key, decode)
  local flat, read = redis.call('HGETALL', key), {}
  for i = 1, #flat, 2 do read[flat[i]] = decode(flat[i + 1]) end
  return read
end
-- The attributes after the op, from those stored (key → entry); fresh(value) is the entry a given value becomes.
local function attributesAfter(stored, fresh)
  local after = {}
  if op == 'merge' or op == 'delete' then
    for key, entry in pairs(stored) do after[key] = entry end
  end
  if op == 'set' or op == 'merge' then
    for key, value in pairs(given) do after[key] = fresh(value) end
  end
  if op == 'delete' then
    for _, key in ipairs(dropped) do after[key] = nil end
  end
  return after
end
-- 'limit' (too many attributes) or 'bytes' (too many bytes of keys and values in all), else nil; valueOf(entry)
-- is its value (Redis strings are the UTF-8 bytes the client counted).
local function refusal(after, valueOf)
  local count, total = 0, 0
  for key, entry in pairs(after) do
    count = count + 1
    total = total + #key + #valueOf(entry)
  end
  if count > MOST_ATTRIBUTES then return 'limit' end
  if total > MOST_BYTES then return 'bytes' end
  return nil
end
`;

/**
 * A script body on the prelude (see prelude.ts) that can also use `uid`, `session`, `op`, `given` (key → value),
 * `dropped` (keys), `asIs`, `readAttributes`, `attributesAfter` and `refusal`.
 */
export function withAttributeWrite(body: string): string {
  return withPrelude(ATTRIBUTE_WRITE + body);
}
