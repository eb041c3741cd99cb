/** The script that writes a channel's attributes (BEHAVIOUR §5.6; see prelude.ts for what it gets). */
import type { AttributeOp } from '../../../protocol/frames.js';
import { withPrelude } from './prelude.js';
import { defineScript, outcomeAndPosition } from './script.js';

/**
 * Outcomes: `ok`, `gone` (not the uid's session), `limit` (too many
 * attributes after it) or `bytes` (too many bytes in all after it); only
 * `ok` changed anything. Each attribute is a field of `ca:<channel>` holding
 * {value, by, ts} as JSON. With `notify`, a `channelAttributes` event with
 * all of them. A channel without members keeps them EMPTY_MS (the key expires).
 */
export const channelAttributesScript = defineScript({
  name: 'rtmChanAttrs',
  checksEpoch: true,
  args: (input: {
    uid: string;
    session: string;
    channel: string;
    op: AttributeOp;
    ts: number;
    attributes: Readonly<Record<string, string>>;
    keys: readonly string[];
    mostAttributes: number;
    mostBytes: number;
    notify: boolean;
  }) => [
    input.uid,
    input.session,
    input.channel,
    input.op,
    input.ts,
    JSON.stringify(input.attributes),
    JSON.stringify(input.keys),
    input.mostAttributes,
    input.mostBytes,
    input.notify ? 1 : 0,
  ],
  lua: withPrelude(`
local uid, session, ch, op, ts = ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
if owner(uid) ~= session then return {'gone', ''} end
local ak = P .. 'ca:' .. ch
local attrs = {}
if op == 'merge' or op == 'delete' then
  local flat = redis.call('HGETALL', ak)
  for i = 1, #flat, 2 do attrs[flat[i]] = cjson.decode(flat[i + 1]) end
end
if op == 'set' or op == 'merge' then
  for key, value in pairs(cjson.decode(ARGV[8])) do attrs[key] = {value = value, by = uid, ts = ts} end
end
if op == 'delete' then
  for _, key in ipairs(cjson.decode(ARGV[9])) do attrs[key] = nil end
end
-- Count and bytes after the write (Redis strings are the UTF-8 bytes the client counted).
local count, total = 0, 0
for key, attr in pairs(attrs) do
  count = count + 1
  total = total + #key + #attr.value
end
if count > tonumber(ARGV[10]) then return {'limit', ''} end
if total > tonumber(ARGV[11]) then return {'bytes', ''} end
redis.call('DEL', ak)
for key, attr in pairs(attrs) do redis.call('HSET', ak, key, cjson.encode(attr)) end
if count > 0 and redis.call('EXISTS', P .. 'c:' .. ch) == 0 then redis.call('PEXPIRE', ak, EMPTY_MS) end
if ARGV[12] == '1' then emit({type = 'channelAttributes', channel = ch, attributes = attrs}) end
return {'ok', last}
`),
  replies: [outcomeAndPosition(['ok', 'gone', 'limit', 'bytes'])],
});
