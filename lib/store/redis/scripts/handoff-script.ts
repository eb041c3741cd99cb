/**
 * The script of a session's move between nodes (see prelude.ts for what every script gets).
 *
 * Keys of an app, besides the prelude's:
 *   ho:<claim>  string  the handoff (JSON) of the session claim `claim` moved, gone after `ttlMs`
 */
import { withPrelude } from './prelude.js';
import { defineScript, outcomeAndPosition } from './script.js';

/**
 * The old node gives its handoff (`''`: none, its events are lost) to the
 * node that claimed the session: keeps it in a short-lived key and tells
 * that node in the stream (a `handoff` event, small whatever the handoff's size).
 */
export const handoffScript = defineScript({
  name: 'rtmHandoff',
  checksEpoch: true,
  args: (input: { claim: string; handoff: string; ttlMs: number }) => [input.claim, input.handoff, input.ttlMs],
  lua: withPrelude(`
local claim, handoff = ARGV[3], ARGV[4]
if handoff ~= '' then redis.call('SET', P .. 'ho:' .. claim, handoff, 'PX', ARGV[5]) end
emit({type = 'handoff', claim = claim, kept = handoff ~= ''})
return {'ok', last}
`),
  replies: [outcomeAndPosition(['ok'])],
});
