/**
 * The scripts that find out whether Redis lost an app's data (or some of
 * its writes), and write back what a node holds when it did (see prelude.ts for what the
 * epoch-checked ones get).
 */
import * as v from 'valibot';
import type { Lease } from '../../presence-store.js';
import { withPrelude } from './prelude.js';
import { defineScript, Position } from './script.js';
import type { LiveStatus } from './session-scripts.js';

/**
 * Not epoch-checked: KEYS[1] the epoch key, ARGV[1] a random candidate,
 * ARGV[2] an epoch to replace (or empty). Sets the epoch if it is missing
 * (the data is new or was lost) or is the one to replace (the data lost
 * some writes: every node writes back what it holds), and answers it with
 * Redis's clock.
 */
export const epochScript = defineScript({
  name: 'rtmEpoch',
  checksEpoch: false,
  args: ({ candidate, replacing }: { candidate: string; replacing?: string }) => [candidate, replacing ?? ''],
  lua: `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local fresh = ARGV[1] .. ':' .. string.format('%d', now)
if ARGV[2] ~= '' and redis.call('GET', KEYS[1]) == ARGV[2] then
  redis.call('SET', KEYS[1], fresh)
else
  redis.call('SET', KEYS[1], fresh, 'NX')
end
return {redis.call('GET', KEYS[1]), string.format('%d', now)}
`,
  replies: [
    v.pipe(
      v.strictTuple([v.pipe(v.string(), v.regex(/^[^:]*:\d+$/)), v.pipe(v.string(), v.regex(/^\d+$/))]),
      // `createdAt`: when the epoch was set, by Redis's clock as `now` is.
      v.transform(([epoch, now]) => ({ epoch, createdAt: Number(epoch.split(':')[1]), now: Number(now) })),
    ),
  ],
});

/** Writes back the bans this node knows of (after the data was lost). */
export const restoreBansScript = defineScript({
  name: 'rtmRestoreBans',
  checksEpoch: true,
  args: (uids: Iterable<string>) => [...uids],
  lua: withPrelude(`
for i = 3, #ARGV do redis.call('SADD', P .. 'banned', ARGV[i]) end
return {'ok', ''}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.literal('ok'), v.literal('')]),
      v.transform(() => undefined),
    ),
  ],
});

/** A session as its node writes it back. */
export interface RestoredSession {
  uid: string;
  session: string;
  token: string;
  node: string;
  replaced: string;
  status: LiveStatus;
  /** How long ago its node last heard it. */
  agoMs: number;
  lease: Lease;
  /** In join order. */
  channels: readonly string[];
  attributes: ReadonlyMap<string, string>;
}

/**
 * Writes back sessions as their node holds them: missing ones whole (the
 * data was lost), kept ones mended (a failover lost some writes: the owner
 * record, channels, attributes, status and deadlines made what the node
 * holds). `late`: peers may have reconciled already, so what changes is
 * announced as events. Each session's result is `conflict` if another
 * session of its uid (or a ban) got there first; a session it replaced
 * (in a login whose write was lost) is replaced again, with its kick.
 */
export const restoreScript = defineScript({
  name: 'rtmRestore',
  checksEpoch: true,
  args: (input: { late: boolean; sessions: readonly RestoredSession[] }) => [
    input.late ? '1' : '0',
    ...input.sessions.map((held) =>
      JSON.stringify({
        uid: held.uid,
        s: held.session,
        t: held.token,
        n: held.node,
        r: held.replaced,
        st: held.status,
        ago: Math.max(0, Math.round(held.agoMs)),
        g: held.lease.graceMs,
        w: held.lease.unreachableMs,
        ch: held.channels,
        a: Object.fromEntries(held.attributes),
      }),
    ),
  ],
  lua: withPrelude(`
local late = ARGV[3] == '1'
local results = {}
for i = 4, #ARGV do
  local e = cjson.decode(ARGV[i])
  local uk = P .. 'u:' .. e.uid
  local cur = redis.call('HMGET', uk, 's', 't')
  local replaced = cur[1] and cur[1] ~= e.s and string.find(' ' .. e.r .. ' ', ' ' .. cur[1] .. ' ', 1, true)
  if cur[1] == e.s and cur[2] ~= e.t then
    -- Resumed on another node since: that node writes it back.
    results[#results + 1] = 'ok'
  elseif (cur[1] and cur[1] ~= e.s and not replaced) or redis.call('SISMEMBER', P .. 'banned', e.uid) == 1 then
    results[#results + 1] = 'conflict'
  else
    if replaced then emit({type = 'kick', uid = e.uid, session = cur[1], reason = 'REMOTE_LOGIN'}) end
    redis.call('HSET', uk, 's', e.s, 't', e.t, 'n', e.n, 'r', e.r, 'g', e.g, 'w', e.w)
    local seen = now - e.ago
    redis.call('ZADD', P .. 'expire', seen + e.g, e.uid)
    if e.st == 'ONLINE' then redis.call('ZADD', P .. 'unreach', seen + e.w, e.uid) end
    if late then setStatus(e.uid, e.st) else redis.call('HSET', P .. 'status', e.uid, e.st) end
    local held = {}
    for index, ch in ipairs(e.ch) do
      held[ch] = true
      redis.call('ZADD', P .. 'uc:' .. e.uid, index, ch)
      local ck = P .. 'c:' .. ch
      if append(ck, e.uid) == 1 and late then
        emit({type = 'member', channel = ch, uid = e.uid, joined = true, count = redis.call('ZCARD', ck)})
      end
    end
    -- Channels Redis kept that the node's session left (or never joined, for a session it replaced).
    for _, ch in ipairs(redis.call('ZRANGE', P .. 'uc:' .. e.uid, 0, -1)) do
      if not held[ch] and late then leaveOne(e.uid, ch) end
      if not held[ch] and not late then
        redis.call('ZREM', P .. 'uc:' .. e.uid, ch)
        redis.call('ZREM', P .. 'c:' .. ch, e.uid)
      end
    end
    redis.call('DEL', P .. 'ua:' .. e.uid)
    for key, value in pairs(e.a) do redis.call('HSET', P .. 'ua:' .. e.uid, key, value) end
    results[#results + 1] = 'ok'
  end
end
return {'ok', last, results}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.literal('ok'), Position, v.array(v.picklist(['ok', 'conflict']))]),
      v.transform(([, position, results]) => ({ position, results })),
    ),
  ],
});
