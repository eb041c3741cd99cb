/**
 * The Lua scripts behind {@link RedisStore}: every change to shared state
 * is one script, so it is atomic (of two nodes claiming one uid at once,
 * Redis runs one script, then the other) and writes its events to the
 * app's stream in the same step, so an event exists exactly when its
 * change happened.
 *
 * Every script gets KEYS[1] = the app's epoch key (`<prefix>epoch`; every
 * other key of the app shares its prefix and hash tag, so one script only
 * ever touches one Redis Cluster slot), ARGV[1] = the epoch the node knows
 * and ARGV[2] = the stream's MAXLEN. A script run against another epoch
 * (the data was lost and rebuilt since) changes nothing and answers
 * `{'epoch'}`, so no write lands in state the node has not restored.
 *
 * Keys of an app (prefix `rtm:{app}:`):
 *   epoch        string  "<random>:<created ms>", set by the first node to find it missing
 *   u:<uid>      hash    the live session: s (id), t (claim token), n (node), r (replaced ids), g / w (lease ms)
 *   uc:<uid>     zset    its channels, scored by join order
 *   ua:<uid>     hash    its attributes
 *   c:<channel>  zset    the channel's members, scored by join order
 *   status       hash    uid → ONLINE | UNREACHABLE (absent: OFFLINE)
 *   expire       zset    uid → when other nodes may end the session (Redis time, ms)
 *   unreach      zset    uid → when other nodes may report it UNREACHABLE
 *   banned       set     banned uids
 *   events       stream  field e = the event as JSON (without the app id)
 *   swept / hold string  when the last sweep ran / no expiry before this (after a stall)
 */

const PRELUDE = `
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
  emit({type = 'member', channel = ch, uid = uid, joined = false, count = redis.call('ZCARD', P .. 'c:' .. ch)})
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

/** Name → Lua body (after the prelude). Replies start with a word; state-changing ones then give the stream id of their last event. */
const BODIES = {
  /** ARGV 3.. uid, session, resume ('' for none), node, grace, unreachable, replaced ids kept. */
  rtmClaim: `
local uid, session, resume, node = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local grace, unreach, kept = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
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
  if cur[2] ~= node then emit({type = 'moved', uid = uid, session = resume, node = node}) end
  online()
  return {'resumed', lastId(), cur[3] or '', redis.call('ZRANGE', P .. 'uc:' .. uid, 0, -1), redis.call('HGETALL', P .. 'ua:' .. uid)}
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
`,
  /** ARGV 3.. uid, session, claim token ('' to end whoever holds it), reason. */
  rtmEnd: `
local uid, session, token, reason = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local cur = redis.call('HMGET', P .. 'u:' .. uid, 's', 't')
if cur[1] ~= session then return {'gone', ''} end
if token ~= '' and cur[2] ~= token then return {'moved', ''} end
finish(uid, session, reason)
return {'ok', lastId()}
`,
  /** ARGV 3.. uid, session, claim token, ONLINE | UNREACHABLE. */
  rtmStatus: `
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
`,
  /** ARGV 3.. (uid, session, claim token, ms since heard) for each session heard. */
  rtmRefresh: `
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
`,
  /**
   * ARGV 3 the most sessions to act on, 4 the gap between sweeps that
   * means Redis (or every node) stalled, 5 how long to hold off after one.
   * Ends sessions past their deadline, reports UNREACHABLE ones past theirs.
   * After a stall, the refreshes the nodes could not deliver meanwhile
   * arrive first: nothing is ended until they had the time.
   */
  rtmSweep: `
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
`,
  /** ARGV 3.. uid, session, channel, most channels. */
  rtmJoin: `
local uid, session, ch, limit = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if owner(uid) ~= session then return {'gone'} end
local uc, ck = P .. 'uc:' .. uid, P .. 'c:' .. ch
if not redis.call('ZSCORE', uc, ch) then
  if redis.call('ZCARD', uc) >= limit then return {'limit'} end
  append(uc, ch)
  append(ck, uid)
  emit({type = 'member', channel = ch, uid = uid, joined = true, count = redis.call('ZCARD', ck)})
end
return {'ok', last, redis.call('ZRANGE', ck, 0, -1)}
`,
  /** ARGV 3.. uid, session, channel. */
  rtmLeave: `
local uid, session, ch = ARGV[3], ARGV[4], ARGV[5]
if owner(uid) ~= session then return {'gone', ''} end
if redis.call('ZSCORE', P .. 'uc:' .. uid, ch) then leaveOne(uid, ch) end
return {'ok', last}
`,
  /** ARGV 3.. uid, session, op, most attributes, attributes (JSON object), keys (JSON array), most bytes in all. */
  rtmAttrs: `
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
`,
  /** ARGV 3 uid. */
  rtmBan: `
local uid = ARGV[3]
redis.call('SADD', P .. 'banned', uid)
emit({type = 'ban', uid = uid, banned = true})
local s = owner(uid)
if s then finish(uid, s, 'banned') end
return {'ok', lastId()}
`,
  /** ARGV 3 uid. */
  rtmUnban: `
redis.call('SREM', P .. 'banned', ARGV[3])
emit({type = 'ban', uid = ARGV[3], banned = false})
return {'ok', lastId()}
`,
  /** ARGV 3.. uids banned (the node's copy, written back after the state was lost). */
  rtmRestoreBans: `
for i = 3, #ARGV do redis.call('SADD', P .. 'banned', ARGV[i]) end
return {'ok', ''}
`,
  /**
   * ARGV 3 '1' if late (peers may have reconciled already: announce what
   * is restored), then one JSON session per argument: uid, s, t, n, r, st,
   * ago, g, w, ch (channels in join order), a (attributes).
   */
  rtmRestore: `
local late = ARGV[3] == '1'
local results = {}
for i = 4, #ARGV do
  local e = cjson.decode(ARGV[i])
  local cur = owner(e.uid)
  if cur == e.s then
    results[#results + 1] = 'ok'
  elseif cur or redis.call('SISMEMBER', P .. 'banned', e.uid) == 1 then
    results[#results + 1] = 'conflict'
  else
    redis.call('HSET', P .. 'u:' .. e.uid, 's', e.s, 't', e.t, 'n', e.n, 'r', e.r, 'g', e.g, 'w', e.w)
    local seen = now - e.ago
    redis.call('ZADD', P .. 'expire', seen + e.g, e.uid)
    if e.st == 'ONLINE' then redis.call('ZADD', P .. 'unreach', seen + e.w, e.uid) end
    if late then setStatus(e.uid, e.st) else redis.call('HSET', P .. 'status', e.uid, e.st) end
    for index, ch in ipairs(e.ch) do
      redis.call('ZADD', P .. 'uc:' .. e.uid, index, ch)
      local ck = P .. 'c:' .. ch
      if append(ck, e.uid) == 1 and late then
        emit({type = 'member', channel = ch, uid = e.uid, joined = true, count = redis.call('ZCARD', ck)})
      end
    end
    for key, value in pairs(e.a) do redis.call('HSET', P .. 'ua:' .. e.uid, key, value) end
    results[#results + 1] = 'ok'
  end
end
return {'ok', last, results}
`,
  /** ARGV 3.. uids. Their statuses, with the stream position they were read at. */
  rtmStatuses: `
local statuses = {}
for i = 3, #ARGV do statuses[#statuses + 1] = redis.call('HGET', P .. 'status', ARGV[i]) end
return {'ok', lastId(), statuses}
`,
  /** ARGV 3.. uid, session. The session's channels in join order, if it is the live one. */
  rtmChannels: `
if owner(ARGV[3]) ~= ARGV[4] then return {'ok', '', {}} end
return {'ok', '', redis.call('ZRANGE', P .. 'uc:' .. ARGV[3], 0, -1)}
`,
} as const;

export type ScriptName = keyof typeof BODIES | 'rtmEpoch';

/**
 * Not epoch-checked: KEYS[1] the epoch key, ARGV[1] a random candidate.
 * Sets the epoch if it is missing (the data is new or was lost) and
 * answers it with Redis's clock.
 */
const EPOCH = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. string.format('%d', now), 'NX')
return {redis.call('GET', KEYS[1]), string.format('%d', now)}
`;

/** Every script, ready for ioredis `defineCommand` (one key each). */
export const SCRIPTS: ReadonlyArray<{ name: ScriptName; lua: string }> = [
  { name: 'rtmEpoch', lua: EPOCH },
  ...Object.entries(BODIES).map(([name, body]) => ({ name: name as ScriptName, lua: PRELUDE + body })),
];
