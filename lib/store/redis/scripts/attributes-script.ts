/** The script that writes a user's attributes (see prelude.ts and attribute-write.ts for what it gets). */
import * as v from 'valibot';
import { attributeWriteArgs, withAttributeWrite } from './attribute-write.js';
import { defineScript } from './script.js';

/**
 * Outcomes: `ok`, `gone` (not the uid's session), `limit` (too many
 * attributes after it) or `bytes` (too many bytes in all after it); only
 * `ok` changed anything. No event: attributes are read, never announced.
 */
export const attributesScript = defineScript({
  name: 'rtmAttrs',
  checksEpoch: true,
  args: attributeWriteArgs,
  lua: withAttributeWrite(`
if owner(uid) ~= session then return {'gone'} end
local ak = P .. 'ua:' .. uid
-- Clearing and deleting only take attributes away: nothing to read or check.
if op == 'clear' then
  redis.call('DEL', ak)
  return {'ok'}
end
if op == 'delete' then
  for _, key in ipairs(dropped) do redis.call('HDEL', ak, key) end
  return {'ok'}
end
local stored = {}
if op == 'merge' then stored = readAttributes(ak, asIs) end
local refused = refusal(attributesAfter(stored, asIs), asIs)
if refused then return {refused} end
if op == 'set' then redis.call('DEL', ak) end
for key, value in pairs(given) do redis.call('HSET', ak, key, value) end
return {'ok'}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.picklist(['ok', 'gone', 'limit', 'bytes'])]),
      v.transform(([outcome]) => outcome),
    ),
  ],
});
