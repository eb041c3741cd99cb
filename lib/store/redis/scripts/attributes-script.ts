/** The script that writes a user's attributes (see prelude.ts for what it gets). */
import * as v from 'valibot';
import type { AttributeOp } from '../../../protocol/frames.js';
import { withPrelude } from './prelude.js';
import { defineScript } from './script.js';

/**
 * Outcomes: `ok`, `gone` (not the uid's session), `limit` (too many
 * attributes after it) or `bytes` (too many bytes in all after it); only
 * `ok` changed anything. No event: attributes are read, never announced.
 */
export const attributesScript = defineScript({
  name: 'rtmAttrs',
  checksEpoch: true,
  args: (input: {
    uid: string;
    session: string;
    op: AttributeOp;
    mostAttributes: number;
    attributes: Readonly<Record<string, string>>;
    keys: readonly string[];
    mostBytes: number;
  }) => [
    input.uid,
    input.session,
    input.op,
    input.mostAttributes,
    JSON.stringify(input.attributes),
    JSON.stringify(input.keys),
    input.mostBytes,
  ],
  lua: withPrelude(`
local uid, session, op, limit = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if owner(uid) ~= session then return {'gone'} end
local ak = P .. 'ua:' .. uid
if op == 'clear' then
  redis.call('DEL', ak)
  return {'ok'}
end
if op == 'delete' then
  for _, key in ipairs(cjson.decode(ARGV[8])) do redis.call('HDEL', ak, key) end
  return {'ok'}
end
local attrs = cjson.decode(ARGV[7])
local count = 0
if op == 'merge' then count = redis.call('HLEN', ak) end
for key, _ in pairs(attrs) do
  if op == 'set' or redis.call('HEXISTS', ak, key) == 0 then count = count + 1 end
end
if count > limit then return {'limit'} end
-- Bytes in all after the write (Redis strings are the UTF-8 bytes the client counted).
local total = 0
if op == 'merge' then
  local current = redis.call('HGETALL', ak)
  for i = 1, #current, 2 do
    if attrs[current[i]] == nil then total = total + #current[i] + #current[i + 1] end
  end
end
for key, value in pairs(attrs) do total = total + #key + #value end
if total > tonumber(ARGV[9]) then return {'bytes'} end
if op == 'set' then redis.call('DEL', ak) end
for key, value in pairs(attrs) do redis.call('HSET', ak, key, value) end
return {'ok'}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.picklist(['ok', 'gone', 'limit', 'bytes'])]),
      v.transform(([outcome]) => outcome),
    ),
  ],
});
