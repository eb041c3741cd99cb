/**
 * The scripts of call invitations shared by the nodes (BEHAVIOUR §7.5; see
 * prelude.ts for what every one of them gets). The node decides, by the
 * server's pure transition; a script only writes a decision if the record is
 * still at the version the node read, so of two nodes deciding at once one
 * writes and the other reads the outcome.
 *
 * Keys of an app, besides the prelude's:
 *   call:<id>          hash    id, a (caller), as (its session), b (callee), bs (its session, '' if none),
 *                              st (the status as JSON), v (version), at (sent, Redis ms);
 *                              gone `keep` ms after the sending, or after the decision
 *   callreq:<session>:<request id>  string  the invitation that request made, gone with it
 *   sc:<session>       set     the session's invitations, as caller or callee
 *   calls              zset    live invitations by their next deadline (Redis ms)
 *
 * A party hears of an invitation as a `callEvent` in the stream, for its
 * session, whichever node holds it.
 */
import * as v from 'valibot';
import { withPrelude } from './prelude.js';
import { defineScript, FlatHash, Position, Strings } from './script.js';

/** The record's hash as HGETALL gives it. */
export const CallHash = FlatHash;

/** Rings the callee's live session, or records PEER_OFFLINE; a repeated request id answers its invitation. */
export const inviteScript = defineScript({
  name: 'rtmCallInvite',
  checksEpoch: true,
  args: (input: {
    uid: string;
    session: string;
    id: number;
    call: string;
    to: string;
    body: string;
    ackMs: number;
    keepMs: number;
    sent: string;
    offline: string;
  }) => [
    input.uid,
    input.session,
    input.id,
    input.call,
    input.to,
    input.body,
    input.ackMs,
    input.keepMs,
    input.sent,
    input.offline,
  ],
  lua: withPrelude(`
local uid, session, id, call, to, body = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local ackMs, keep, sent, offline = tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11], ARGV[12]
if owner(uid) ~= session then return {'gone'} end
local rk = P .. 'callreq:' .. session .. ':' .. id
local made = redis.call('GET', rk)
if made then return {'repeated', redis.call('HGETALL', P .. 'call:' .. made), ''} end
local target = owner(to) or ''
local ck = P .. 'call:' .. call
local st = sent
if target == '' then st = offline end
redis.call('HSET', ck, 'id', call, 'a', uid, 'as', session, 'b', to, 'bs', target, 'st', st, 'v', 1, 'at', now)
redis.call('PEXPIRE', ck, keep)
redis.call('SET', rk, call, 'PX', keep)
for _, s in ipairs({session, target}) do
  if s ~= '' then
    redis.call('SADD', P .. 'sc:' .. s, call)
    redis.call('PEXPIRE', P .. 'sc:' .. s, keep * 2)
  end
end
if target ~= '' then
  redis.call('ZADD', P .. 'calls', now + ackMs, call)
  emit({type = 'callEvent', session = target, call = call, body = body})
end
return {'created', redis.call('HGETALL', ck), last}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.literal('gone')]),
      v.transform(() => ({ outcome: 'gone' as const })),
    ),
    v.pipe(
      v.strictTuple([v.picklist(['created', 'repeated']), CallHash, Position]),
      v.transform(([outcome, hash, position]) => ({ outcome, hash, position })),
    ),
  ],
});

/** Writes a decision if the record is still at the version read; else answers the record as it is. */
export const stepScript = defineScript({
  name: 'rtmCallStep',
  checksEpoch: true,
  args: (input: {
    call: string;
    version: number;
    status: string;
    body: string;
    deadline: number | undefined;
    keepMs: number;
    tell: readonly string[];
  }) => [input.call, input.version, input.status, input.body, input.deadline ?? '', input.keepMs, ...input.tell],
  lua: withPrelude(`
local call, version, st, body, deadline, keep = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
local ck = P .. 'call:' .. call
if redis.call('HGET', ck, 'v') ~= version then return {'stale', redis.call('HGETALL', ck)} end
redis.call('HSET', ck, 'st', st, 'v', tonumber(version) + 1)
if deadline == '' then
  redis.call('ZREM', P .. 'calls', call)
  redis.call('PEXPIRE', ck, keep)
else
  redis.call('ZADD', P .. 'calls', deadline, call)
end
for i = 9, #ARGV do emit({type = 'callEvent', session = ARGV[i], call = call, body = body}) end
return {'ok', last}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.literal('stale'), CallHash]),
      v.transform(([outcome, hash]) => ({ outcome, hash })),
    ),
    v.pipe(
      v.strictTuple([v.literal('ok'), Position]),
      v.transform(([outcome, position]) => ({ outcome, position })),
    ),
  ],
});

/** Live invitations whose deadline passed (at most `limit`), and Redis' clock now. */
export const dueScript = defineScript({
  name: 'rtmCallsDue',
  checksEpoch: true,
  args: (limit: number) => [limit],
  lua: withPrelude(`
return {'ok', tostring(now), redis.call('ZRANGEBYSCORE', P .. 'calls', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.literal('ok'), v.pipe(v.string(), v.transform(Number)), Strings]),
      v.transform(([, now, calls]) => ({ now, calls })),
    ),
  ],
});
