/**
 * What every script that changes an app's shared state starts with. Every
 * change is one script, so it is atomic (of two nodes claiming one uid at
 * once, Redis runs one script, then the other) and writes its events to the
 * app's stream in the same step, so an event exists exactly when its change
 * happened.
 *
 * Such a script gets KEYS[1] = the app's epoch key (`<prefix>epoch`; every
 * other key of the app shares its prefix and hash tag, so one script only
 * ever touches one Redis Cluster slot), ARGV[1] = the epoch the node knows
 * and ARGV[2] = the stream's MAXLEN. Run against another epoch (the data
 * was lost and rebuilt since) it changes nothing and answers `{'epoch'}`,
 * so no write lands in state the node has not restored.
 *
 * Keys of an app (prefix `rtm:{app}:`, see ../app-keys.ts):
 *   epoch        string  "<random>:<created ms>", set by the first node to find it missing
 *   u:<uid>      hash    the live session: s (id), t (claim token), n (node), r (replaced ids), g / w (lease ms)
 *   uc:<uid>     zset    its channels, scored by join order
 *   ua:<uid>     hash    its attributes
 *   c:<channel>  zset    the channel's members, scored by join order
 *   ca:<channel> hash    its attributes: key → {value, by, ts} as JSON; expires EMPTY_MS after it has no members
 *   status       hash    uid → ONLINE | UNREACHABLE (absent: OFFLINE)
 *   expire       zset    uid → when other nodes may end the session (Redis time, ms)
 *   unreach      zset    uid → when other nodes may report it UNREACHABLE
 *   banned       set     banned uids
 *   events       stream  field e = the event as JSON (without the app id)
 *   swept / hold string  when the last sweep ran / no expiry before this (after a stall)
 *
 * Replies start with a word; state-changing ones then give the stream id
 * of their last event.
 */

import { EMPTY_CHANNEL_ATTRIBUTES_MS } from '../../presence-store.js';

const PRELUDE = `
local EMPTY_MS = ${EMPTY_CHANNEL_ATTRIBUTES_MS}
if redis.replicate_commands then redis.replicate_commands() end
local P = string.sub(KEYS[1], 1, -6)
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'epoch'} end
local MAXLEN = ARGV[2]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local last = ''
local function emit(e)
  last = redis.call('XADD', P .. 'events', 'MAXLEN', '~', MAXLEN, '*', 'e', cjson.encode(e))
end
local function lastId()
  if last ~= '' then return last end
  local top = redis.call('XREVRANGE', P .. 'events', '+', '-', 'COUNT', 1)
  if top[1] then return top[1][1] end
  return '0-0'
end
local function owner(uid)
  return redis.call('HGET', P .. 'u:' .. uid, 's')
end
-- Adds a member at the end of a sorted set kept in insertion order (answers 1 if it was not in it).
local function append(key, member)
  if redis.call('ZSCORE', key, member) then return 0 end
  local top = redis.call('ZREVRANGE', key, 0, 0, 'WITHSCORES')
  local score = 1
  if top[2] then score = tonumber(top[2]) + 1 end
  return redis.call('ZADD', key, score, member)
end
local function leaveOne(uid, ch)
  redis.call('ZREM', P .. 'uc:' .. uid, ch)
  redis.call('ZREM', P .. 'c:' .. ch, uid)
  local count = redis.call('ZCARD', P .. 'c:' .. ch)
  -- The channel's attributes go EMPTY_MS after its last member left (BEHAVIOUR §5.6).
  if count == 0 then redis.call('PEXPIRE', P .. 'ca:' .. ch, EMPTY_MS) end
  emit({type = 'member', channel = ch, uid = uid, joined = false, count = count})
end
local function leaveAll(uid)
  for _, ch in ipairs(redis.call('ZRANGE', P .. 'uc:' .. uid, 0, -1)) do leaveOne(uid, ch) end
end
local function finish(uid, session, reason)
  leaveAll(uid)
  redis.call('DEL', P .. 'u:' .. uid, P .. 'ua:' .. uid, P .. 'uc:' .. uid)
  redis.call('HDEL', P .. 'status', uid)
  redis.call('ZREM', P .. 'expire', uid)
  redis.call('ZREM', P .. 'unreach', uid)
  if reason == 'banned' then emit({type = 'kick', uid = uid, session = session, reason = 'BANNED_BY_SERVER'}) end
  emit({type = 'ended', uid = uid, session = session, reason = reason})
  emit({type = 'status', uid = uid, status = 'OFFLINE'})
end
local function setStatus(uid, status)
  if redis.call('HGET', P .. 'status', uid) == status then return end
  redis.call('HSET', P .. 'status', uid, status)
  emit({type = 'status', uid = uid, status = status})
end
`;

/**
 * A script body that can use the prelude's `P`, `now`, `last`, `emit`, `lastId`, `owner`, `append`,
 * `leaveOne`, `leaveAll`, `finish` and `setStatus`.
 */
export function withPrelude(body: string): string {
  return PRELUDE + body;
}
