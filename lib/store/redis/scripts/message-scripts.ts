/**
 * The scripts of messages (see prelude.ts for what every one of them gets).
 *
 * Keys of an app, besides the prelude's:
 *   ms:<session>  zset    the session's latest send ids, member "<id>:<received 1|0>", score the id;
 *                         the newest `remembered` kept, gone a day after the last send
 *   off:<uid>     list    offline messages for uid, JSON {from, message, ts}, oldest first; the newest
 *                         `limit` kept, gone `ttl` ms after the last one was added
 *
 * A message travels in the event stream as `peerMessage` (for the
 * receiver's session, whichever node holds it) or `channelMessage`, so it
 * reaches every node in the order the scripts ran: per sender and receiver,
 * the order of sending.
 */
import * as v from 'valibot';
import { withPrelude } from './prelude.js';
import { defineScript, Position, Strings } from './script.js';

/** Answers a repeated id, or refuses a session that is not the uid's; `send` is the body that follows. */
const sendScript = (send: string) =>
  withPrelude(`
-- The id stays a string: Lua would print a large number in exponent form.
local uid, session, id, remembered, m = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7]
if owner(uid) ~= session then return {'gone'} end
local sk = P .. 'ms:' .. session
local seen = redis.call('ZRANGEBYSCORE', sk, id, id)
if seen[1] then return {'repeated', string.sub(seen[1], -1)} end
local function remember(received)
  redis.call('ZADD', sk, id, id .. ':' .. received)
  redis.call('ZREMRANGEBYRANK', sk, 0, -remembered - 1)
  redis.call('PEXPIRE', sk, 86400000)
end
${send}
`);

const SendReply = [
  v.pipe(
    v.strictTuple([v.picklist(['gone', 'notJoined'])]),
    v.transform(([outcome]) => ({ outcome })),
  ),
  v.pipe(
    v.strictTuple([v.literal('repeated'), v.picklist(['0', '1'])]),
    v.transform(([outcome, received]) => ({ outcome, received: received === '1', position: undefined })),
  ),
  v.pipe(
    v.strictTuple([v.literal('ok'), v.picklist(['0', '1']), Position]),
    v.transform(([outcome, received, position]) => ({ outcome, received: received === '1', position })),
  ),
] as const;

interface SendInput {
  uid: string;
  session: string;
  id: number;
  remembered: number;
  /** The message as JSON: {from, message, ts}. */
  message: string;
}

/** Outcomes: `gone`, `repeated` (with the first answer), or `ok` with whether the peer is logged in. */
export const peerMessageScript = defineScript({
  name: 'rtmPeerMessage',
  checksEpoch: true,
  args: (input: SendInput & { to: string; offline: boolean; offlineLimit: number; offlineTtlMs: number }) => [
    input.uid,
    input.session,
    input.id,
    input.remembered,
    input.message,
    input.to,
    input.offline ? 1 : 0,
    input.offlineLimit,
    input.offlineTtlMs,
  ],
  lua: sendScript(`
local to, offline = ARGV[8], ARGV[9] == '1'
local target = owner(to)
if target then
  local e = cjson.decode(m)
  e.type, e.session = 'peerMessage', target
  emit(e)
  remember(1)
  return {'ok', '1', last}
end
if offline then
  local ok = P .. 'off:' .. to
  redis.call('RPUSH', ok, m)
  redis.call('LTRIM', ok, -tonumber(ARGV[10]), -1)
  redis.call('PEXPIRE', ok, ARGV[11])
end
remember(0)
return {'ok', '0', ''}
`),
  replies: SendReply,
});

/** Outcomes: `gone`, `notJoined`, `repeated`, or `ok`. */
export const channelMessageScript = defineScript({
  name: 'rtmChannelMessage',
  checksEpoch: true,
  args: (input: SendInput & { channel: string }) => [
    input.uid,
    input.session,
    input.id,
    input.remembered,
    input.message,
    input.channel,
  ],
  lua: sendScript(`
local ch = ARGV[8]
if not redis.call('ZSCORE', P .. 'uc:' .. uid, ch) then return {'notJoined'} end
local e = cjson.decode(m)
e.type, e.channel = 'channelMessage', ch
emit(e)
remember(1)
return {'ok', '1', last}
`),
  replies: SendReply,
});

/** Takes (and deletes) the offline messages kept for a uid, oldest first, as JSON. */
export const takeOfflineScript = defineScript({
  name: 'rtmTakeOffline',
  checksEpoch: true,
  args: (uid: string) => [uid],
  lua: withPrelude(`
local ok = P .. 'off:' .. ARGV[3]
local kept = redis.call('LRANGE', ok, 0, -1)
redis.call('DEL', ok)
return {'ok', kept}
`),
  replies: [
    v.pipe(
      v.strictTuple([v.literal('ok'), Strings]),
      v.transform(([, kept]) => kept),
    ),
  ],
});
