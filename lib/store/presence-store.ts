/**
 * What server nodes share: which session owns each uid, who is in each
 * channel, users' attributes and online status, and the events that tell
 * every node about changes to them.
 *
 * The server keeps sockets, timers and delivery local and asks the store
 * for everything another node could need. A single server uses
 * {@link MemoryStore}; several nodes use one backed by Redis. Every method
 * that changes state takes the acting session id and does nothing for a
 * session that no longer owns its uid, so a replaced or expired session can
 * never touch its successor's state.
 */
import type { ErrorCode } from '../protocol/error-code.js';
import type { AttributeOp, KickReason, PeerStatus } from '../protocol/frames.js';

/** A change every node hears about, whichever node made it. */
export type StoreEvent =
  | { type: 'member'; appId: string; channel: string; uid: string; joined: boolean; count: number }
  | { type: 'status'; appId: string; uid: string; status: PeerStatus }
  /** The session must end now on the node that holds it. */
  | { type: 'kick'; appId: string; uid: string; session: string; reason: KickReason };

export type ClaimResult =
  /** The session asked for was still the uid's: it goes on. */
  | { outcome: 'resumed' }
  /** A new session owns the uid; `replaced` (if any) has been ended and told so by a kick event. */
  | { outcome: 'created'; replaced: string | undefined }
  /** The session asked for was replaced by a later login: its instance is to be kicked, not let back in. */
  | { outcome: 'superseded' };

/** Why a session ends. `replaced` keeps the uid online (its successor owns it). */
export const EndReason = { Logout: 'logout', Expired: 'expired', Banned: 'banned' } as const;
export type EndReason = (typeof EndReason)[keyof typeof EndReason];

export type StoreResult<T = void> = ({ ok: true } & (T extends void ? unknown : { value: T })) | { ok: false; code: ErrorCode; message: string };

export interface PresenceStore {
  /**
   * Makes `session` the owner of `uid` (status ONLINE): resumes `resume` if
   * that is the live session, else replaces whatever session is live. Atomic:
   * of concurrent claims of one uid exactly one owns it afterwards.
   */
  claim(appId: string, uid: string, session: string, resume: string | undefined): Promise<ClaimResult>;
  /** Ends the session: leaves its channels, drops its attributes, reports OFFLINE. */
  end(appId: string, uid: string, session: string, reason: EndReason): Promise<void>;
  /** Records a live session's status (ONLINE or UNREACHABLE); reports it if it changed. */
  setStatus(appId: string, uid: string, session: string, status: typeof PeerStatus.Online | typeof PeerStatus.Unreachable): Promise<void>;
  /** Joins (idempotently) and answers the members, the joiner included. */
  join(appId: string, uid: string, session: string, channel: string): Promise<StoreResult<string[]>>;
  /** Leaves (idempotently). */
  leave(appId: string, uid: string, session: string, channel: string): Promise<void>;
  members(appId: string, channel: string): Promise<string[]>;
  /** Channels the session has joined. */
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
  /** Current status of each uid. */
  statuses(appId: string, uids: readonly string[]): Promise<Record<string, PeerStatus>>;
  /** Listens to every event of every app; returns the way to stop. */
  listen(listener: (event: StoreEvent) => void): () => void;
  close(): Promise<void>;
}
