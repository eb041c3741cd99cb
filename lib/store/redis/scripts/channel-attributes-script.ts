/**
 * The script that writes a channel's attributes (BEHAVIOUR §5.6; see prelude.ts and attribute-write.ts for what it
 * gets).
 */
import { attributeWriteArgs, withAttributeWrite, type AttributeWriteInput } from './attribute-write.js';
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
  args: (input: AttributeWriteInput & { channel: string; ts: number; notify: boolean }) => [
    ...attributeWriteArgs(input),
    input.channel,
    input.ts,
    input.notify ? 1 : 0,
  ],
  lua: withAttributeWrite(`
local ch, ts = ARGV[10], tonumber(ARGV[11])
if owner(uid) ~= session then return {'gone', ''} end
local ak = P .. 'ca:' .. ch
local stored = {}
if op == 'merge' or op == 'delete' then stored = readAttributes(ak, cjson.decode) end
local attrs = attributesAfter(stored, function(value) return {value = value, by = uid, ts = ts} end)
local refused = refusal(attrs, function(attr) return attr.value end)
if refused then return {refused, ''} end
redis.call('DEL', ak)
for key, attr in pairs(attrs) do redis.call('HSET', ak, key, cjson.encode(attr)) end
if next(attrs) ~= nil and redis.call('EXISTS', P .. 'c:' .. ch) == 0 then redis.call('PEXPIRE', ak, EMPTY_MS) end
if ARGV[12] == '1' then emit({type = 'channelAttributes', channel = ch, attributes = attrs}) end
return {'ok', last}
`),
  replies: [outcomeAndPosition(['ok', 'gone', 'limit', 'bytes'])],
});
