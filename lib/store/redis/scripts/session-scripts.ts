/** The scripts that make, keep and end a uid's session (see prelude.ts for what every one of them gets). */
import * as v from 'valibot';
import { PeerStatus } from '../../../protocol/frames.js';
import type { EndReason, Lease } from '../../presence-store.js';
import { withPrelude } from './prelude.js';
import { defineScript, FlatHash, outcomeAndPosition, Position, StreamId, Strings } from './script.js';

/** A live session's status as the store keeps it (OFFLINE is its absence). */
export type LiveStatus = typeof PeerStatus.Online | typeof PeerStatus.Unreachable;

export const claimScript = defineScript({
  name: 'rtmClaim',
  checksEpoch: true,
  args: (input: {
    uid: string;
    session: string;
    resume: string | undefined;
    node: string;
    lease: Lease;
    replacedKept: number;
    /** The last event the resuming client saw. */
    seq: number;
  }) => [
    input.uid,
    input.session,
    input.resume ?? '',
    input.node,
    input.lease.graceMs,
    input.lease.unreachableMs,
    input.replacedKept,
    input.seq,
  ],
  lua: withPrelude(`
local uid, session, resume, node = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local grace, unreach, kept, seq = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
if redis.call('SISMEMBER', P .. 'banned', uid) == 1 then return {'banned'} end
local uk = P .. 'u:' .. uid
local cur = redis.call('HMGET', uk, 's', 'n', 'r')
-- Sent again after a reconnect, having run already: the same answer, nothing done twice.
if cur[1] == session then return {'created', lastId(), '', cur[3] or ''} end
local function online()
  redis.call('ZADD', P .. 'expire', now + grace, uid)
  redis.call('ZADD', P .. 'unreach', now + unreach, uid)
  setStatus(uid, 'ONLINE')
end
if cur[1] and resume ~= '' and cur[1] == resume then
  redis.call('HSET', uk, 't', session, 'n', node, 'g', grace, 'w', unreach)
  local moved = cur[2] ~= node
  -- The node it moves from hands its events over to this claim (handoff-script.ts).
  if moved then
    emit({type = 'moved', uid = uid, session = resume, node = node, from = cur[2] or '', claim = session, seq = seq})
  end
  online()
  return {
    'resumed', lastId(), cur[3] or '',
    redis.call('ZRANGE', P .. 'uc:' .. uid, 0, -1), redis.call('HGETALL', P .. 'ua:' .. uid), moved and '1' or '0',
  }
end
local replaced = ''
if cur[1] then
  local list = {cur[1]}
  for id in string.gmatch(cur[3] or '', '%S+') do
    if id == resume then return {'superseded'} end
    if #list < kept then list[#list + 1] = id end
  end
  leaveAll(uid)
  redis.call('DEL', P .. 'ua:' .. uid, P .. 'uc:' .. uid)
  emit({type = 'kick', uid = uid, session = cur[1], reason = 'REMOTE_LOGIN'})
  replaced = table.concat(list, ' ')
end
redis.call('DEL', uk)
redis.call('HSET', uk, 's', session, 't', session, 'n', node, 'r', replaced, 'g', grace, 'w', unreach)
online()
return {'created', lastId(), cur[1] or '', replaced}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.literal('banned')]),
      v.transform(() => ({ outcome: 'banned' as const })),
    ),
    v.pipe(
      v.strictTuple([v.literal('superseded')]),
      v.transform(() => ({ outcome: 'superseded' as const })),
    ),
    v.pipe(
      v.strictTuple([v.literal('created'), StreamId, v.string(), v.string()]),
      // `previous`: the session this one replaced, if any;
      // `replaced`: the ids the uid's sessions replaced, newest first.
      v.transform(([, position, previous, replaced]) => ({
        outcome: 'created' as const,
        position,
        previous: previous === '' ? undefined : previous,
        replaced,
      })),
    ),
    v.pipe(
      v.strictTuple([v.literal('resumed'), StreamId, v.string(), Strings, FlatHash, v.picklist(['0', '1'])]),
      // `moved`: another node held it.
      v.transform(([, position, replaced, channels, attributes, moved]) => ({
        outcome: 'resumed' as const,
        position,
        replaced,
        channels,
        attributes,
        moved: moved === '1',
      })),
    ),
  ],
});

/** Outcomes `gone` (not the uid's session) and `moved` (held by another claim) change nothing. */
export const endScript = defineScript({
  name: 'rtmEnd',
  checksEpoch: true,
  /** `token` '' ends whoever holds the session. */
  args: (input: { uid: string; session: string; token: string; reason: EndReason }) => [
    input.uid,
    input.session,
    input.token,
    input.reason,
  ],
  lua: withPrelude(`
local uid, session, token, reason = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local cur = redis.call('HMGET', P .. 'u:' .. uid, 's', 't')
if cur[1] ~= session then return {'gone', ''} end
if token ~= '' and cur[2] ~= token then return {'moved', ''} end
finish(uid, session, reason)
return {'ok', lastId()}
`),
  replies: [outcomeAndPosition(['ok', 'gone', 'moved'])],
});

export const statusScript = defineScript({
  name: 'rtmStatus',
  checksEpoch: true,
  args: (input: { uid: string; session: string; token: string; status: LiveStatus }) => [
    input.uid,
    input.session,
    input.token,
    input.status,
  ],
  lua: withPrelude(`
local uid, session, token, status = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local uk = P .. 'u:' .. uid
local cur = redis.call('HMGET', uk, 's', 't', 'g', 'w')
if cur[1] ~= session or cur[2] ~= token then return {'gone', ''} end
if status == 'ONLINE' then
  redis.call('ZADD', P .. 'expire', now + tonumber(cur[3]), uid)
  redis.call('ZADD', P .. 'unreach', now + tonumber(cur[4]), uid)
else
  redis.call('ZREM', P .. 'unreach', uid)
end
setStatus(uid, status)
return {'ok', lastId()}
`),
  replies: [outcomeAndPosition(['ok', 'gone'])],
});

/** Refreshes, in one call, the sessions this node heard (those it no longer holds are passed over). */
export const refreshScript = defineScript({
  name: 'rtmRefresh',
  checksEpoch: true,
  args: (heard: ReadonlyArray<{ uid: string; session: string; token: string; agoMs: number }>) =>
    heard.flatMap(({ uid, session, token, agoMs }) => [uid, session, token, Math.round(agoMs)]),
  lua: withPrelude(`
local refreshed = 0
for i = 3, #ARGV, 4 do
  local uid, session, token, ago = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local cur = redis.call('HMGET', P .. 'u:' .. uid, 's', 't', 'g', 'w')
  if cur[1] == session and cur[2] == token then
    local seen = now - ago
    redis.call('ZADD', P .. 'expire', seen + tonumber(cur[3]), uid)
    -- Heard: ONLINE again if another node took it for unreachable while this one was cut off.
    setStatus(uid, 'ONLINE')
    redis.call('ZADD', P .. 'unreach', seen + tonumber(cur[4]), uid)
    refreshed = refreshed + 1
  end
end
return {'ok', last, refreshed}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.literal('ok'), Position, v.number()]),
      v.transform(([, position, refreshed]) => ({ position, refreshed })),
    ),
  ],
});

/** The uids' statuses (null: OFFLINE), with the stream position they were read at. */
export const statusesScript = defineScript({
  name: 'rtmStatuses',
  checksEpoch: true,
  args: (uids: readonly string[]) => [...uids],
  lua: withPrelude(`
local statuses = {}
for i = 3, #ARGV do statuses[#statuses + 1] = redis.call('HGET', P .. 'status', ARGV[i]) end
return {'ok', lastId(), statuses}
`),
  replies: [
    v.pipe(
      v.strictTuple([
        v.literal('ok'),
        StreamId,
        v.array(v.nullable(v.picklist([PeerStatus.Online, PeerStatus.Unreachable]))),
      ]),
      v.transform(([, position, statuses]) => ({ position, statuses })),
    ),
  ],
});
