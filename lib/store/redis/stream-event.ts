/**
 * An entry of an app's event stream, as the scripts write it (field `e`,
 * the event as JSON without the app id), read through a schema so an entry
 * of another shape is reported rather than passed on.
 */
import * as v from 'valibot';
import { anyKeys, ChannelAttributeSchema, KickReason, MessageType, PeerStatus } from '../../protocol/frames.js';
import { EndReason } from '../presence-store.js';

/** A message as the scripts carry it: {from, message, ts}. */
export const SentMessageSchema = v.object({
  from: v.string(),
  message: v.object({ type: v.picklist(Object.values(MessageType)), data: v.string(), desc: v.optional(v.string()) }),
  ts: v.number(),
});

const WireEvent = v.variant('type', [
  v.object({ type: v.literal('member'), channel: v.string(), uid: v.string(), joined: v.boolean(), count: v.number() }),
  v.object({ type: v.literal('status'), uid: v.string(), status: v.picklist(Object.values(PeerStatus)) }),
  v.object({
    type: v.literal('kick'),
    uid: v.string(),
    session: v.string(),
    reason: v.picklist(Object.values(KickReason)),
  }),
  v.object({
    type: v.literal('ended'),
    uid: v.string(),
    session: v.string(),
    reason: v.picklist(Object.values(EndReason)),
  }),
  // `from`, `claim` and `seq` default for an entry a node of an earlier version wrote: then nobody hands over.
  v.object({
    type: v.literal('moved'),
    uid: v.string(),
    session: v.string(),
    node: v.string(),
    from: v.optional(v.string(), ''),
    claim: v.optional(v.string(), ''),
    seq: v.optional(v.number(), 0),
  }),
  v.object({ type: v.literal('peerMessage'), session: v.string(), ...SentMessageSchema.entries }),
  v.object({ type: v.literal('channelMessage'), channel: v.string(), ...SentMessageSchema.entries }),
  v.object({ type: v.literal('callEvent'), session: v.string(), call: v.string(), body: v.string() }),
  v.object({ type: v.literal('channelAttributes'), channel: v.string(), attributes: anyKeys(ChannelAttributeSchema) }),
  /** Nodes keep their own copy of the bans, to write back after a loss; never passed on. */
  v.object({ type: v.literal('ban'), uid: v.string(), banned: v.boolean() }),
  /** A session's old node gave its handoff to claim `claim` (`kept`: in key `ho:<claim>`); never passed on. */
  v.object({ type: v.literal('handoff'), claim: v.string(), kept: v.boolean() }),
]);
export type WireEvent = v.InferOutput<typeof WireEvent>;

/** The event a stream entry carries, or why it cannot be read. */
export function readStreamEntry(
  fields: readonly string[],
): { ok: true; event: WireEvent } | { ok: false; problem: string } {
  const at = fields.indexOf('e');
  if (at === -1 || at % 2 === 1 || at + 1 >= fields.length) return { ok: false, problem: 'no field e' };
  let json: unknown;
  try {
    json = JSON.parse(fields[at + 1]);
  } catch (error) {
    return { ok: false, problem: String(error) };
  }
  const result = v.safeParse(WireEvent, json);
  return result.success ? { ok: true, event: result.output } : { ok: false, problem: v.summarize(result.issues) };
}
