/** The scripts that ban and unban a uid (see prelude.ts for what they get). */
import * as v from 'valibot';
import { withPrelude } from './prelude.js';
import { defineScript, StreamId } from './script.js';

/** The stream position of the script's last event. */
const Done = v.pipe(
  v.strictTuple([v.literal('ok'), StreamId]),
  v.transform(([, position]) => ({ position })),
);

/** Refuses the uid's logins from now on and ends its session, wherever it is held. */
export const banScript = defineScript({
  name: 'rtmBan',
  checksEpoch: true,
  args: (uid: string) => [uid],
  lua: withPrelude(`
local uid = ARGV[3]
redis.call('SADD', P .. 'banned', uid)
emit({type = 'ban', uid = uid, banned = true})
local s = owner(uid)
if s then finish(uid, s, 'banned') end
return {'ok', lastId()}
`),
  replies: [Done],
});

export const unbanScript = defineScript({
  name: 'rtmUnban',
  checksEpoch: true,
  args: (uid: string) => [uid],
  lua: withPrelude(`
redis.call('SREM', P .. 'banned', ARGV[3])
emit({type = 'ban', uid = ARGV[3], banned = false})
return {'ok', lastId()}
`),
  replies: [Done],
});
