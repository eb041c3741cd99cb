/** The scripts of a session's channels (see prelude.ts for what every one of them gets). */
import * as v from 'valibot';
import { withPrelude } from './prelude.js';
import { defineScript, outcomeAndPosition, Position, Strings } from './script.js';

/**
 * Outcomes: `gone` (not the uid's session), `limit` (in the most channels already),
 * or `ok` with the members, the joiner included.
 */
export const joinScript = defineScript({
  name: 'rtmJoin',
  checksEpoch: true,
  args: (input: { uid: string; session: string; channel: string; mostChannels: number }) => [
    input.uid,
    input.session,
    input.channel,
    input.mostChannels,
  ],
  lua: withPrelude(`
local uid, session, ch, limit = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if owner(uid) ~= session then return {'gone'} end
local uc, ck = P .. 'uc:' .. uid, P .. 'c:' .. ch
if not redis.call('ZSCORE', uc, ch) then
  if redis.call('ZCARD', uc) >= limit then return {'limit'} end
  append(uc, ch)
  append(ck, uid)
  -- A member again: the channel's attributes stay (BEHAVIOUR §5.6).
  redis.call('PERSIST', P .. 'ca:' .. ch)
  emit({type = 'member', channel = ch, uid = uid, joined = true, count = redis.call('ZCARD', ck)})
end
return {'ok', last, redis.call('ZRANGE', ck, 0, -1)}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.picklist(['gone', 'limit'])]),
      v.transform(([outcome]) => ({ outcome })),
    ),
    v.pipe(
      v.strictTuple([v.literal('ok'), Position, Strings]),
      v.transform(([outcome, position, members]) => ({ outcome, position, members })),
    ),
  ],
});

export const leaveScript = defineScript({
  name: 'rtmLeave',
  checksEpoch: true,
  args: (input: { uid: string; session: string; channel: string }) => [input.uid, input.session, input.channel],
  lua: withPrelude(`
local uid, session, ch = ARGV[3], ARGV[4], ARGV[5]
if owner(uid) ~= session then return {'gone', ''} end
if redis.call('ZSCORE', P .. 'uc:' .. uid, ch) then leaveOne(uid, ch) end
return {'ok', last}
`),
  replies: [outcomeAndPosition(['ok', 'gone'])],
});

/** The session's channels in join order; none if it is not the live one. */
export const channelsScript = defineScript({
  name: 'rtmChannels',
  checksEpoch: true,
  args: (input: { uid: string; session: string }) => [input.uid, input.session],
  lua: withPrelude(`
if owner(ARGV[3]) ~= ARGV[4] then return {'ok', '', {}} end
return {'ok', '', redis.call('ZRANGE', P .. 'uc:' .. ARGV[3], 0, -1)}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.literal('ok'), v.literal(''), Strings]),
      v.transform(([, , channels]) => channels),
    ),
  ],
});
