/** The script every node runs now and then to act for nodes that went silent (see prelude.ts for what it gets). */
import * as v from 'valibot';
import { withPrelude } from './prelude.js';
import { Count, defineScript, Position } from './script.js';

/**
 * Ends sessions past their deadline, reports UNREACHABLE ones past theirs.
 * After a stall (no sweep for `stallMs`), the refreshes the nodes could not
 * deliver meanwhile arrive first: nothing is ended for `holdMs`.
 */
export const sweepScript = defineScript({
  name: 'rtmSweep',
  checksEpoch: true,
  args: (input: { limit: number; stallMs: number; holdMs: number }) => [input.limit, input.stallMs, input.holdMs],
  lua: withPrelude(`
local limit, stall, hold = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local previous = tonumber(redis.call('GET', P .. 'swept') or '0')
redis.call('SET', P .. 'swept', string.format('%d', now))
if previous > 0 and now - previous > stall then redis.call('SET', P .. 'hold', string.format('%d', now + hold)) end
if now < tonumber(redis.call('GET', P .. 'hold') or '0') then return {'ok', last, 0} end
local ended = 0
for _, uid in ipairs(redis.call('ZRANGEBYSCORE', P .. 'expire', '-inf', now, 'LIMIT', 0, limit)) do
  local s = owner(uid)
  if s then
    finish(uid, s, 'expired')
    ended = ended + 1
  else
    redis.call('ZREM', P .. 'expire', uid)
  end
end
for _, uid in ipairs(redis.call('ZRANGEBYSCORE', P .. 'unreach', '-inf', now, 'LIMIT', 0, limit)) do
  redis.call('ZREM', P .. 'unreach', uid)
  if redis.call('HGET', P .. 'status', uid) == 'ONLINE' then setStatus(uid, 'UNREACHABLE') end
end
return {'ok', last, ended}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.literal('ok'), Position, Count]),
      v.transform(([, position, ended]) => ({ position, ended })),
    ),
  ],
});
