/**
 * What the store's events mean for this node: member and status events go
 * to the sessions that hear them; the others end or resync sessions held
 * here, or are news for a login this node is claiming right now (the
 * store's events can overtake its answer to a claim).
 */
import { encodeEventBody } from '../protocol/encode.js';
import type { KickReason } from '../protocol/frames.js';
import type { PresenceStore, SentMessage, StoreEvent } from '../store/presence-store.js';
import type { Fanout } from './fanout.js';
import type { SharedInvitations } from './shared-invitations.js';
import type { ServerSession } from './server-session.js';
import type { SessionEvent } from './session-life.js';

/** What happened to a session while this node was claiming it. */
export interface ClaimNews {
  /** Replaced or banned meanwhile: kicked right after its welcome. */
  kicked?: KickReason;
  /** Resumed on another node, or ended, meanwhile: told to reconnect right after its welcome. */
  goaway?: boolean;
  /**
   * Peer messages for the session, sent once the store made it live and before this node held it
   * (delivered to a new session; to a resumed one they were its old node's).
   */
  messages?: SentMessage[];
}

/** A peer message event for one session, offline or live. */
export function peerMessageBody({ from, message, ts }: SentMessage, offline: boolean): string {
  return encodeEventBody({ t: 'peerMessage', from, ...message, ts, ...(offline ? { offline } : {}) });
}

/** What the handler needs of the registry. */
export interface StoreEventTarget {
  readonly store: PresenceStore;
  readonly fanout: Fanout;
  /** Call invitations the nodes share, if this node takes them. */
  readonly calls: SharedInvitations | undefined;
  /** Sessions held here, by id. */
  readonly sessions: ReadonlyMap<string, ServerSession>;
  /** Session ids being claimed now (the new id and the one resumed), with what the store said of them meanwhile. */
  readonly claiming: ReadonlyMap<string, ClaimNews>;
  now(): number;
  /** Runs a session's transition for `event`. */
  apply(session: ServerSession, event: SessionEvent): void;
  /** Gives the node a session moved to what this node held for it (`session`: undefined if it holds none). */
  handOver(event: Extract<StoreEvent, { type: 'moved' }>, session: ServerSession | undefined): void;
}

const MOVED: SessionEvent = { type: 'MOVED' };
const RESYNC: SessionEvent = { type: 'RESYNC' };

export function handleStoreEvent(event: StoreEvent, target: StoreEventTarget): void {
  switch (event.type) {
    case 'member':
    case 'status':
      return target.fanout.deliver(event);
    case 'channelMessage':
      return target.fanout.deliverMessage(event);
    case 'channelAttributes':
      return target.fanout.deliverAttributes(event);
    case 'peerMessage': {
      const session = target.sessions.get(event.session);
      if (session) return session.deliver(peerMessageBody(event, false));
      const news = target.claiming.get(event.session);
      if (news) (news.messages ??= []).push(event);
      return;
    }
    case 'callEvent': {
      // As a peer message, but never for a session being claimed: an invitation needs a live session, and
      // news of one held elsewhere went to its old node before the move (BEHAVIOUR §7.5).
      const session = target.sessions.get(event.session);
      if (!session) return;
      session.deliver(event.body);
      if (session.attached && isInvitation(event.body)) target.calls?.delivered(event.appId, event.call);
      return;
    }
    case 'kick': {
      const news = target.claiming.get(event.session);
      if (news) news.kicked = event.reason;
      const session = target.sessions.get(event.session);
      if (session) target.apply(session, { type: 'KICKED', reason: event.reason });
      return;
    }
    case 'ended': {
      const news = target.claiming.get(event.session);
      if (news) news.goaway = true;
      // This node forgets the sessions it ends itself; one still held here was ended by another
      // node: its presence deadline passed (another node's sweep got there first) or, if this
      // node heard it within the grace, this node was cut off from the store for longer.
      const session = target.sessions.get(event.session);
      if (session) target.apply(session, { type: 'ENDED_ELSEWHERE', reason: event.reason, now: target.now() });
      target.calls?.ended(event.appId, event.session);
      return;
    }
    case 'moved': {
      if (event.node === target.store.node) return;
      const news = target.claiming.get(event.session);
      if (news) news.goaway = true;
      // Resumed on another node: this copy goes silently; its socket, if any, is a dead link. This node
      // delivered it every event before this one, and delivers none after: what it held goes to the new node,
      // which waits for it (BEHAVIOUR §7).
      const session = target.sessions.get(event.session);
      if (event.from === target.store.node) target.handOver(event, session);
      if (session) target.apply(session, MOVED);
      return;
    }
    case 'resync':
      // Its clients reconcile (ask for their channels and peers again and emit just the differences);
      // attached ones are told to reconnect at once, which they do within half a second and without a state change.
      for (const session of [...target.sessions.values()])
        if (session.appId === event.appId) target.apply(session, RESYNC);
      return;
  }
}

/** True for the body of an `invitation` event (the callee's), not a `callState`. */
function isInvitation(body: string): boolean {
  return (JSON.parse(body) as { t?: unknown }).t === 'invitation';
}
