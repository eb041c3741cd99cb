/**
 * The wire protocol, version 1: every frame either side may send, as valibot
 * schemas (what the receiver accepts) and the types inferred from them (what
 * the sender builds). `docs/PROTOCOL.md` describes the same frames in prose.
 *
 * Frames are JSON text objects discriminated by `t`. Schemas check structure
 * only; meaning (a valid uid, a known app) is the handler's job, so that it
 * can answer with the precise error code. Unknown fields are ignored, which
 * lets a later minor version add fields without breaking older peers.
 */
import * as v from 'valibot';
import { ErrorCode } from './error-code.js';
import { CallFailure, CallState } from './call-vocabulary.js';
import { AttributeOp, KickReason, MessageType, PeerStatus } from './vocabulary.js';

export { AttributeOp, KickReason, MAX_FRAME_BYTES, MessageType, PeerStatus, PROTOCOL } from './vocabulary.js';
export { CallFailure, CallState } from './call-vocabulary.js';

const requestId = v.pipe(v.number(), v.integer(), v.minValue(0));
const sequence = v.pipe(v.number(), v.integer(), v.minValue(0));
const errorCode = v.picklist(Object.values(ErrorCode));
const names = v.array(v.string());

/**
 * A JSON object of any keys, each value passing `value`. Not `v.record`,
 * which drops the keys `__proto__`, `constructor` and `prototype`: valid
 * uids and attribute keys, lost silently with it. Receivers keep records in
 * Maps or as own properties, never merged into an object's prototype.
 * `value` is kept on the schema, as on `v.record`, for tools that walk it.
 */
export function anyKeys<T extends v.GenericSchema>(value: T) {
  const schema = v.custom<Record<string, v.InferOutput<T>>>(
    (input) =>
      typeof input === 'object' &&
      input !== null &&
      !Array.isArray(input) &&
      Object.values(input).every((item) => v.is(value, item)),
  );
  return Object.assign(schema, { value });
}
const attributes = anyKeys(v.string());
/** A channel attribute (BEHAVIOUR §5.6): its value, who changed it last (`by`) and when (`ts`, server wall ms). */
export const ChannelAttributeSchema = v.object({ value: v.string(), by: v.string(), ts: v.number() });
const channelAttributes = anyKeys(ChannelAttributeSchema);
/** A message's fields (wire-message.ts): its type and base64 bytes; the receiver checks the base64 and the size. */
const message = {
  type: v.picklist(Object.values(MessageType)),
  data: v.string(),
  desc: v.optional(v.string()),
};
/** A call invitation's state as both sides see it (BEHAVIOUR §7.5); `response` is the callee's answer text. */
const callState = {
  call: v.string(),
  state: v.picklist(Object.values(CallState)),
  reason: v.optional(v.picklist(Object.values(CallFailure))),
  response: v.optional(v.string()),
};

/** Frames a client sends. */
export const ClientFrame = v.variant('t', [
  /**
   * Log in; `session` asks to resume that session if it is still alive,
   * and `seq` (with `session`) is the last event `seq` received (absent:
   * 0), so the server replays what came after. `hb`: the heartbeat interval
   * asked for, ms; with it the server pings the client (see `welcome`).
   */
  v.object({
    t: v.literal('login'),
    app: v.string(),
    uid: v.string(),
    token: v.string(),
    session: v.optional(v.string()),
    seq: v.optional(sequence),
    hb: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  }),
  /** A probe (or an old client's heartbeat); answered `pong` at once. `ack`: every event up to `seq` arrived. */
  v.object({ t: v.literal('ping'), ack: v.optional(sequence) }),
  /** The answer to the server's `ping`, sent at once; `ack` as on `ping`. */
  v.object({ t: v.literal('pong'), ack: v.optional(sequence) }),
  /** Replace the session's token; answered by `renewed` or `fail`. */
  v.object({ t: v.literal('renew'), id: requestId, token: v.string() }),
  /** End the session now: peers see the user leave at once. */
  v.object({ t: v.literal('logout') }),
  /** Join a channel; answered by `joined` with the members. Joining a joined channel changes nothing. */
  v.object({ t: v.literal('join'), id: requestId, channel: v.string() }),
  /** Leave a channel; answered by `done`. Leaving a channel not joined changes nothing. */
  v.object({ t: v.literal('leave'), id: requestId, channel: v.string() }),
  /** The members of a joined channel; answered by `members`. */
  v.object({ t: v.literal('members'), id: requestId, channel: v.string() }),
  /**
   * Change the sender's own attributes; answered by `done`. `attributes`
   * is checked by the receiver (limits.ts), so a bad value gets a precise
   * error for this request.
   */
  v.object({
    t: v.literal('attrs'),
    id: requestId,
    op: v.picklist(Object.values(AttributeOp)),
    attributes: v.optional(anyKeys(v.unknown())),
    keys: v.optional(names),
  }),
  /** Read a user's attributes (all, or only `keys`); answered by `attributes`. */
  v.object({ t: v.literal('getAttrs'), id: requestId, uid: v.string(), keys: v.optional(names) }),
  /** Which of `uids` are online; answered by `online`. */
  v.object({ t: v.literal('query'), id: requestId, uids: names }),
  /** Report the status of `uids` from now on (first their current status, as a `status` event); answered by `done`. */
  v.object({ t: v.literal('subscribe'), id: requestId, uids: names }),
  v.object({ t: v.literal('unsubscribe'), id: requestId, uids: names }),
  /**
   * Send a message to a user; answered by `sent`. `offline`: keep it for
   * the user's next login if it is not logged in. A send re-sent with the
   * same `id` on the same session is answered alike and delivered once.
   */
  v.object({ t: v.literal('sendPeer'), id: requestId, to: v.string(), ...message, offline: v.optional(v.boolean()) }),
  /** Send a message to the other members of a joined channel; answered by `done`; once per `id`, as `sendPeer`. */
  v.object({ t: v.literal('sendChannel'), id: requestId, channel: v.string(), ...message }),
  /**
   * Call invitations (BEHAVIOUR §7.5), each answered by `call` with the invitation's state.
   * `invite` rings `to`; re-sent with the same `id` on the same session it is the same invitation.
   * `callCancel` (the caller) and `callAnswer` (the callee) on a decided invitation change nothing.
   */
  v.object({ t: v.literal('invite'), id: requestId, to: v.string(), content: v.string(), channel: v.string() }),
  v.object({ t: v.literal('callCancel'), id: requestId, call: v.string() }),
  v.object({ t: v.literal('callAnswer'), id: requestId, call: v.string(), accept: v.boolean(), response: v.string() }),
  /**
   * Change a channel's attributes (BEHAVIOUR §5.6), joined or not; answered by `done`.
   * `notify`: its members then get `chanAttrsUpdated`. Checked by the receiver, as `attrs`.
   */
  v.object({
    t: v.literal('setChanAttrs'),
    id: requestId,
    channel: v.string(),
    op: v.picklist(Object.values(AttributeOp)),
    attributes: v.optional(anyKeys(v.unknown())),
    keys: v.optional(names),
    notify: v.optional(v.boolean()),
  }),
  /** Read a channel's attributes (all, or only `keys`); answered by `chanAttributes`. */
  v.object({ t: v.literal('getChanAttrs'), id: requestId, channel: v.string(), keys: v.optional(names) }),
  /** How many members each of `channels` has (BEHAVIOUR §5.6); answered by `counts`. */
  v.object({ t: v.literal('counts'), id: requestId, channels: names }),
]);
export type ClientFrame = v.InferOutput<typeof ClientFrame>;

/** Frames a server sends. */
export const ServerFrame = v.variant('t', [
  /**
   * Login accepted. `resumed` says the session asked for was still alive;
   * `gap`: resumed, but some events after the client's `seq` were lost
   * (the buffer overflowed), so the client must reconcile. Otherwise the
   * missed events follow, in order. `hb`: the login asked for a heartbeat,
   * and the server pings every `hb` ms (the interval asked for, clamped).
   */
  v.object({
    t: v.literal('welcome'),
    session: v.string(),
    resumed: v.boolean(),
    tokenExpiresInMs: v.number(),
    gap: v.optional(v.boolean()),
    hb: v.optional(v.number()),
  }),
  /** Login refused; the server closes the socket after it. */
  v.object({ t: v.literal('refused'), code: errorCode, message: v.string() }),
  v.object({ t: v.literal('pong') }),
  /** The server's heartbeat, to a login that asked for one: answer `pong` at once. */
  v.object({ t: v.literal('ping') }),
  /** The session is over and must not come back by itself (BEHAVIOUR §2, ABORTED). */
  v.object({ t: v.literal('kicked'), reason: v.picklist(Object.values(KickReason)) }),
  /** The server is going away; reconnect at once rather than after backoff. */
  v.object({ t: v.literal('goaway') }),
  v.object({ t: v.literal('renewed'), id: requestId, tokenExpiresInMs: v.number() }),
  /** Replies to requests, by `id`. */
  v.object({ t: v.literal('done'), id: requestId }),
  v.object({ t: v.literal('joined'), id: requestId, members: names }),
  v.object({ t: v.literal('members'), id: requestId, members: names }),
  v.object({ t: v.literal('attributes'), id: requestId, attributes }),
  v.object({ t: v.literal('online'), id: requestId, online: anyKeys(v.boolean()) }),
  v.object({ t: v.literal('chanAttributes'), id: requestId, attributes: channelAttributes }),
  v.object({ t: v.literal('counts'), id: requestId, counts: anyKeys(v.number()) }),
  /** Answer to `sendPeer`: `received` is true when the peer is logged in (or inside its grace). */
  v.object({ t: v.literal('sent'), id: requestId, received: v.boolean() }),
  /** Answer to `invite`, `callCancel` and `callAnswer`: the invitation's state now. */
  v.object({ t: v.literal('call'), id: requestId, ...callState }),
  /**
   * Events. `seq` counts the session's events from 1, so a resumed client
   * can say what it last saw and drop what it saw twice.
   */
  v.object({
    t: v.literal('member'),
    seq: sequence,
    channel: v.string(),
    uid: v.string(),
    joined: v.boolean(),
    count: v.number(),
  }),
  v.object({
    t: v.literal('status'),
    seq: sequence,
    statuses: anyKeys(v.picklist(Object.values(PeerStatus))),
  }),
  /**
   * Event: a message from user `from`, which the server accepted at `ts`
   * (its wall clock, ms); `offline`: kept while this user was logged out.
   */
  v.object({
    t: v.literal('peerMessage'),
    seq: sequence,
    from: v.string(),
    ...message,
    ts: v.number(),
    offline: v.optional(v.boolean()),
  }),
  /** Event: a message from member `from` of `channel`, accepted at `ts`. */
  v.object({
    t: v.literal('channelMessage'),
    seq: sequence,
    channel: v.string(),
    from: v.string(),
    ...message,
    ts: v.number(),
  }),
  /** Event: user `from` invites this user to a call (BEHAVIOUR §7.5). */
  v.object({
    t: v.literal('invitation'),
    seq: sequence,
    call: v.string(),
    from: v.string(),
    content: v.string(),
    channel: v.string(),
  }),
  /** Event: a call invitation of this user's, as caller or callee, changed state. */
  v.object({ t: v.literal('callState'), seq: sequence, ...callState }),
  /** Event: `channel`'s attributes changed with `notify`; all of them, as they are now (BEHAVIOUR §5.6). */
  v.object({ t: v.literal('chanAttrsUpdated'), seq: sequence, channel: v.string(), attributes: channelAttributes }),
  /** A request failed; nothing it asked for was done. */
  v.object({ t: v.literal('fail'), id: requestId, code: errorCode, message: v.string() }),
  /** A frame not tied to a request was refused (malformed, unknown, before login). */
  v.object({ t: v.literal('error'), code: errorCode, message: v.string() }),
]);
export type ServerFrame = v.InferOutput<typeof ServerFrame>;

/** A server frame answering a request, matched to it by `id` (`fail` included). */
export type ReplyFrame = Extract<ServerFrame, { id: number }>;
export type WireChannelAttribute = v.InferOutput<typeof ChannelAttributeSchema>;
