/**
 * What server nodes share: which session owns each uid, who is in each
 * channel, users' attributes and online status, bans, and the events that
 * tell every node about changes to them.
 *
 * The server keeps sockets, timers and delivery local and asks the store
 * for everything another node could need. A single server uses
 * {@link MemoryStore}; several nodes use {@link RedisStore} (see
 * docs/CLUSTER.md). Every method that changes state takes the acting
 * session id and does nothing for a session that no longer owns its uid,
 * so a replaced or expired session can never touch its successor's state.
 *
 * One store object serves one node (its {@link PresenceStore.node}). A
 * method that changes state resolves only after the node's listeners have
 * heard every event it caused (and every event before it), so a node sees
 * a change and its events in the same order as a single server would.
 */
import { ErrorCode } from '../protocol/error-code.js';
import type { ChannelAttributeWrite } from '../protocol/channel-attribute-op.js';
import type { AttributeOp, WireChannelAttribute, KickReason, PeerStatus } from '../protocol/frames.js';
import { Limits } from '../protocol/limits.js';
import { refusal, type Refusal } from '../protocol/refusal.js';
import type { WireMessage } from '../protocol/wire-message.js';
import type { CallStore } from './call-store.js';

/** A message on its way to its receivers: who sent it, what, and when the server accepted it (wall-clock ms). */
export interface SentMessage {
  readonly from: string;
  readonly message: WireMessage;
  readonly ts: number;
}

/** A change every node hears about, whichever node made it. */
export type StoreEvent =
  | { type: 'member'; appId: string; channel: string; uid: string; joined: boolean; count: number }
  | { type: 'status'; appId: string; uid: string; status: PeerStatus }
  /** The session must end now on the node that holds it. */
  | { type: 'kick'; appId: string; uid: string; session: string; reason: KickReason }
  /** The session is over (whoever ended it); the node still holding it lets it go. */
  | { type: 'ended'; appId: string; uid: string; session: string; reason: EndReason }
  /**
   * The session was resumed on `node` by claim `claim`, its client having seen
   * events up to `seq`. Any other node holding it drops its copy silently;
   * `from`, the node that held it, first hands its events over ({@link PresenceStore.handOver}).
   */
  | {
      type: 'moved';
      appId: string;
      uid: string;
      session: string;
      node: string;
      from: string;
      claim: string;
      seq: number;
    }
  /**
   * Heard only by this node's listeners: events of `appId` may have been
   * lost on the way here (the shared state was lost and rebuilt, or this
   * node fell too far behind), so every session of that app on this node
   * must reconcile.
   */
  | { type: 'resync'; appId: string }
  /** A peer message for the receiver's live session `session`, on whichever node holds it. */
  | ({ type: 'peerMessage'; appId: string; session: string } & SentMessage)
  /** A channel message for every member of `channel` at the moment it was accepted but its sender. */
  | ({ type: 'channelMessage'; appId: string; channel: string } & SentMessage)
  /** News of call invitation `call` for session `session`, on whichever node holds it: `body`, the event, encoded. */
  | { type: 'callEvent'; appId: string; session: string; call: string; body: string }
  /** A channel's attributes changed with notification: every member hears all of them (BEHAVIOUR §5.6). */
  | { type: 'channelAttributes'; appId: string; channel: string; attributes: Record<string, WireChannelAttribute> };

/**
 * How a message send went: `received`, the peer is logged in (always true
 * for a channel); `repeated`, the session had sent this id before, so
 * nothing was sent again and this is the first answer repeated.
 */
export interface SendOutcome {
  readonly received: boolean;
  readonly repeated: boolean;
}

/** A message send, by the acting session's request `id` (a repeat of an id is answered alike, sent once). */
export interface MessageSend {
  readonly id: number;
  readonly message: SentMessage;
}

/** How offline messages are kept (BEHAVIOUR §7): per receiver, at most `limit`, oldest dropped first; for `ttlMs`. */
export const OfflineMessages = { limit: 200, ttlMs: 7 * 24 * 3600 * 1000 } as const;

/**
 * How many of a session's latest send ids a store remembers. A client
 * re-sends what it has pending, in id order, first on every resumed link,
 * so a repeat is never older than this many sends later.
 */
export const REMEMBERED_SENDS = 4096;

/**
 * What the node a session moved from hands to the node it moved to
 * (BEHAVIOUR §7): the encoded events the client has not seen, numbered up
 * to `seq`, and the uids whose status the session is subscribed to (kept
 * by the node only).
 */
export interface Handoff {
  readonly seq: number;
  readonly events: readonly string[];
  readonly subscriptions: readonly string[];
}

export type ClaimResult =
  /**
   * The session asked for was still the uid's: it goes on (on this node from
   * now on). `moved`: another node held it; its events come by {@link PresenceStore.takeHandoff}.
   */
  | { outcome: 'resumed'; moved: boolean }
  /** A new session owns the uid; `replaced` (if any) has been ended and told so by a kick event. */
  | { outcome: 'created'; replaced: string | undefined }
  /** The session asked for was replaced by a later login: its instance is to be kicked, not let back in. */
  | { outcome: 'superseded' }
  /** The uid is banned: nothing changed. */
  | { outcome: 'banned' };

/** Why a session ends. `replaced` keeps the uid online (its successor owns it). */
export const EndReason = { Logout: 'logout', Expired: 'expired', Banned: 'banned' } as const;
export type EndReason = (typeof EndReason)[keyof typeof EndReason];

/**
 * How long other nodes wait before acting for a node that went silent: a
 * session whose holder stops refreshing it ends `graceMs` after it was
 * last heard, and is reported UNREACHABLE `unreachableMs` after.
 */
export interface Lease {
  graceMs: number;
  unreachableMs: number;
}

/** A session heard from since the last refresh, `agoMs` before the refresh was sent. */
export interface Heard {
  appId: string;
  uid: string;
  session: string;
  agoMs: number;
}

export type StoreResult<T = void> = ({ ok: true } & (T extends void ? unknown : { value: T })) | Refusal;

/**
 * How long a channel's attributes outlive its last member (BEHAVIOUR §5.6),
 * and a write to a channel without members: the SDK's "a couple of minutes".
 */
export const EMPTY_CHANNEL_ATTRIBUTES_MS = 2 * 60 * 1000;

/** The refusals every store gives, worded alike. */
export const StoreRefusals = {
  /** The acting session no longer owns its uid. */
  sessionOver: refusal(ErrorCode.NotLoggedIn, 'session is over'),
  tooManyChannels: refusal(ErrorCode.LimitExceeded, `already in ${Limits.joinedChannels} channels`),
  tooManyAttributes: refusal(ErrorCode.LimitExceeded, `more than ${Limits.attributes} attributes`),
  attributesTooLarge: refusal(ErrorCode.LimitExceeded, `more than ${Limits.attributeTotalBytes} bytes of attributes`),
  notJoined: refusal(ErrorCode.NotJoined, 'channel is not joined'),
} as const satisfies Record<string, Refusal>;

export interface PresenceStore {
  /** This node's id, as `moved` events name it. */
  readonly node: string;
  /**
   * True when other nodes use the store too: sessions may move to them, so
   * a closing node waits for its sessions to move (and hands them over).
   */
  readonly shared: boolean;
  /**
   * Makes `session` the owner of `uid` (status ONLINE) on this node:
   * resumes `resume` if that is the live session, else replaces whatever
   * session is live. Atomic: of concurrent claims of one uid, on any nodes,
   * exactly one owns it afterwards. `lease` is how long other nodes wait
   * for this one (see {@link Lease}); `seq`, the last event the resuming
   * client saw, goes to the node the session moves from (a `moved` event).
   */
  claim(
    appId: string,
    uid: string,
    session: string,
    resume: string | undefined,
    lease: Lease,
    seq?: number,
  ): Promise<ClaimResult>;
  /**
   * The node a session moved from gives its handoff (undefined: it has
   * none to give, the events are lost) to the node that claimed it with `claim`.
   */
  handOver(appId: string, claim: string, handoff: Handoff | undefined): Promise<void>;
  /**
   * The handoff for the session this node claimed with `claim`, once the
   * old node gave it; undefined if it gave none or none came within `waitMs`.
   */
  takeHandoff(appId: string, claim: string, waitMs: number): Promise<Handoff | undefined>;
  /** Ends the session: leaves its channels, drops its attributes, reports OFFLINE. */
  end(appId: string, uid: string, session: string, reason: EndReason): Promise<void>;
  /** Records a live session's status (ONLINE or UNREACHABLE); reports it if it changed. */
  setStatus(
    appId: string,
    uid: string,
    session: string,
    status: typeof PeerStatus.Online | typeof PeerStatus.Unreachable,
  ): Promise<void>;
  /**
   * Tells other nodes these sessions of this node are alive (called in
   * batches, about once a second, never per frame). A single server needs
   * none of it.
   */
  refresh(heard: readonly Heard[]): Promise<void>;
  /** Joins (idempotently) and answers the members, the joiner included. */
  join(appId: string, uid: string, session: string, channel: string): Promise<StoreResult<string[]>>;
  /** Leaves (idempotently). */
  leave(appId: string, uid: string, session: string, channel: string): Promise<void>;
  members(appId: string, channel: string): Promise<string[]>;
  /** Channels the session has joined, in the order it joined them. */
  channelsOf(appId: string, uid: string, session: string): Promise<string[]>;
  writeAttributes(
    appId: string,
    uid: string,
    session: string,
    op: AttributeOp,
    attributes: Readonly<Record<string, string>>,
    keys: readonly string[],
  ): Promise<StoreResult>;
  /** An online user's attributes (all, or those of `keys`); an offline user has none. */
  readAttributes(appId: string, uid: string, keys: readonly string[] | undefined): Promise<Record<string, string>>;
  /**
   * Changes a channel's attributes (BEHAVIOUR §5.6), the acting user need not be
   * a member; with `notify`, a `channelAttributes` event. LIMIT_EXCEEDED past the
   * channel's limits, and nothing changed.
   */
  writeChannelAttributes(
    appId: string,
    session: string,
    channel: string,
    write: ChannelAttributeWrite,
    notify: boolean,
  ): Promise<StoreResult>;
  /** A channel's attributes (all, or those of `keys`). */
  readChannelAttributes(
    appId: string,
    channel: string,
    keys: readonly string[] | undefined,
  ): Promise<Record<string, WireChannelAttribute>>;
  /** How many members each channel has. */
  memberCounts(appId: string, channels: readonly string[]): Promise<Record<string, number>>;
  /** Current status of each uid. */
  statuses(appId: string, uids: readonly string[]): Promise<Record<string, PeerStatus>>;
  /**
   * Sends a peer message to `to`'s live session (a `peerMessage` event), or,
   * with `offline` and no live session, keeps it for `to`'s next login.
   */
  sendToPeer(
    appId: string,
    uid: string,
    session: string,
    send: MessageSend & { readonly to: string; readonly offline: boolean },
  ): Promise<StoreResult<SendOutcome>>;
  /** Sends a channel message (a `channelMessage` event); NOT_JOINED unless the sender is a member. */
  sendToChannel(
    appId: string,
    uid: string,
    session: string,
    send: MessageSend & { readonly channel: string },
  ): Promise<StoreResult<SendOutcome>>;
  /** The answer to the session's send `id`, if it was sent (for a repeat refused by the rate). */
  sentBefore(appId: string, uid: string, session: string, id: number): Promise<SendOutcome | undefined>;
  /** Takes the messages kept for `uid` (sent at most the TTL before `now`), oldest first; they are kept no more. */
  takeOfflineMessages(appId: string, uid: string, now: number): Promise<SentMessage[]>;
  /** Refuses the uid's logins from now on, on every node, and ends its session (kick BANNED_BY_SERVER). */
  ban(appId: string, uid: string): Promise<void>;
  unban(appId: string, uid: string): Promise<void>;
  /** Call invitations shared with the other nodes, if the store offers them (BEHAVIOUR §7.5). */
  readonly calls?: CallStore;
  /** Listens to every event of every app; returns the way to stop. */
  listen(listener: (event: StoreEvent) => void): () => void;
  close(): Promise<void>;
}
