/**
 * A session's life on the node that holds it (BEHAVIOUR §4), as one pure, total
 * function like the client's connection transition: given the session's
 * phase (and when it was last heard) and an event, the next phase and the
 * effects to run, in order. No clock, store, socket or telemetry is touched
 * here; time arrives inside events. The registry runs the effects.
 *
 *   ONLINE      heard within the unreachable threshold
 *   UNREACHABLE silent past it, still within the presence grace
 *   ENDED       gone from this node: expired, logged out, kicked, replaced,
 *               ended or resumed by another node. Final.
 *
 * | from        | event            | to          | effects                                      |
 * |-------------|------------------|-------------|----------------------------------------------|
 * | UNREACHABLE | HEARD            | ONLINE      | reschedule, report ONLINE                    |
 * | live        | RESUMED          | ONLINE      | (the store's claim reported it)              |
 * | ONLINE      | SILENT, in grace | UNREACHABLE | reschedule, report UNREACHABLE               |
 * | live        | SILENT, past it  | ENDED       | count expiry, forget, end (expired), terminate |
 * | live        | LOGGED_OUT       | ENDED       | forget, end (logout), close normally         |
 * | live        | KICKED           | ENDED       | forget, count kick, send `kicked` and close  |
 * | live        | REPLACED         | ENDED       | forget (a newer login of the uid here)       |
 * | live        | SENT_AWAY        | ENDED       | forget, send `goaway` and close              |
 * | live        | ENDED_ELSEWHERE  | ENDED       | (count expiry,) forget, `goaway` if heard in grace, else terminate |
 * | live        | MOVED            | ENDED       | forget, terminate                            |
 * | live        | RESYNC           | (same)      | mark events lost, send `goaway`, detach      |
 * | ENDED       | LOGGED_OUT       | ENDED       | close normally                               |
 * | ENDED       | anything else    | ENDED       | nothing                                      |
 */
import { KickReason, PeerStatus } from '../protocol/frames.js';
import { EndReason } from '../store/presence-store.js';

export const SessionPhase = { Online: PeerStatus.Online, Unreachable: PeerStatus.Unreachable, Ended: 'ENDED' } as const;
export type SessionPhase = (typeof SessionPhase)[keyof typeof SessionPhase];

/** What the transition reads of a session (a `ServerSession` is one). */
export interface SessionSnapshot {
  readonly phase: SessionPhase;
  /** Monotonic time of the last frame received. */
  readonly lastFrameAt: number;
}

/** The presence timings (BEHAVIOUR §4); `unreachableMs` is never more than `graceMs`. */
export interface PresenceTimes {
  readonly graceMs: number;
  readonly unreachableMs: number;
}

export type SessionEvent =
  /** A frame arrived. */
  | { readonly type: 'HEARD' }
  /** The client came back with the session's id. */
  | { readonly type: 'RESUMED' }
  /** The presence deadline passed at `now` with no frame. */
  | { readonly type: 'SILENT'; readonly now: number }
  | { readonly type: 'LOGGED_OUT' }
  /** Replaced by a login elsewhere, or banned. */
  | { readonly type: 'KICKED'; readonly reason: KickReason }
  /** A newer login of the same uid was claimed on this node. */
  | { readonly type: 'REPLACED' }
  /** Resumed elsewhere or ended while this node was claiming it: the client must reconnect. */
  | { readonly type: 'SENT_AWAY' }
  /** Another node ended it (`now`: when this node heard of it). */
  | { readonly type: 'ENDED_ELSEWHERE'; readonly reason: EndReason; readonly now: number }
  /** Resumed on another node. */
  | { readonly type: 'MOVED' }
  /** Events of its app may have been lost. */
  | { readonly type: 'RESYNC' };

/** Why the server asks a client to reconnect, as the close reason says. */
export type AwayReason = 'session moved' | 'resync';

export type SessionAction =
  /** File the session again in the presence clock, by its new deadline. */
  | { readonly type: 'RESCHEDULE' }
  | { readonly type: 'REPORT_STATUS'; readonly status: typeof PeerStatus.Online | typeof PeerStatus.Unreachable }
  /** Drop it from this node: no more events, no presence clock. */
  | { readonly type: 'FORGET' }
  /** Tell the store it ended; the actions after this one wait for the store. */
  | { readonly type: 'END'; readonly reason: EndReason }
  | { readonly type: 'COUNT_EXPIRED' }
  | { readonly type: 'COUNT_KICKED'; readonly reason: KickReason }
  /** A `kicked` frame, then close 4002: the client goes ABORTED. */
  | { readonly type: 'SEND_KICKED'; readonly reason: KickReason }
  /** A `goaway` frame, then close 1012: the client reconnects at once. */
  | { readonly type: 'SEND_AWAY'; readonly reason: AwayReason }
  | { readonly type: 'CLOSE_LOGGED_OUT' }
  /** Drop the socket at once: a dead link. */
  | { readonly type: 'TERMINATE' }
  /** The resumed client must reconcile: its events since the last ack are not all there. */
  | { readonly type: 'MARK_LOST' }
  /** The session waits for a resume without a socket. */
  | { readonly type: 'DETACH' };

export interface SessionStep {
  readonly phase: SessionPhase;
  readonly actions: readonly SessionAction[];
}

const RESCHEDULE: SessionAction = { type: 'RESCHEDULE' };
const FORGET: SessionAction = { type: 'FORGET' };
const TERMINATE: SessionAction = { type: 'TERMINATE' };
const COUNT_EXPIRED: SessionAction = { type: 'COUNT_EXPIRED' };
const MOVED_AWAY: SessionAction = { type: 'SEND_AWAY', reason: 'session moved' };

// The common steps, made once: a transition allocates only for a kick.
const UNCHANGED_ENDED: SessionStep = { phase: SessionPhase.Ended, actions: [] };
const BACK_ONLINE: SessionStep = {
  phase: SessionPhase.Online,
  actions: [RESCHEDULE, { type: 'REPORT_STATUS', status: PeerStatus.Online }],
};
const ONLINE: SessionStep = { phase: SessionPhase.Online, actions: [] };
const GONE_UNREACHABLE: SessionStep = {
  phase: SessionPhase.Unreachable,
  actions: [RESCHEDULE, { type: 'REPORT_STATUS', status: PeerStatus.Unreachable }],
};
const EXPIRED: SessionStep = {
  phase: SessionPhase.Ended,
  actions: [COUNT_EXPIRED, FORGET, { type: 'END', reason: EndReason.Expired }, TERMINATE],
};
const LOGGED_OUT: SessionStep = {
  phase: SessionPhase.Ended,
  actions: [FORGET, { type: 'END', reason: EndReason.Logout }, { type: 'CLOSE_LOGGED_OUT' }],
};
const CLOSE_AFTER_LOGOUT: SessionStep = { phase: SessionPhase.Ended, actions: [{ type: 'CLOSE_LOGGED_OUT' }] };
const REPLACED: SessionStep = { phase: SessionPhase.Ended, actions: [FORGET] };
const SENT_AWAY: SessionStep = { phase: SessionPhase.Ended, actions: [FORGET, MOVED_AWAY] };
const DROPPED: SessionStep = { phase: SessionPhase.Ended, actions: [FORGET, TERMINATE] };
const EXPIRED_ELSEWHERE_HERE: SessionStep = { phase: SessionPhase.Ended, actions: [COUNT_EXPIRED, FORGET, MOVED_AWAY] };
const EXPIRED_ELSEWHERE_GONE: SessionStep = { phase: SessionPhase.Ended, actions: [COUNT_EXPIRED, FORGET, TERMINATE] };
const RESYNC_ACTIONS: readonly SessionAction[] = [
  { type: 'MARK_LOST' },
  { type: 'SEND_AWAY', reason: 'resync' },
  { type: 'DETACH' },
];

/** When the presence clock next looks at a live session: the unreachable threshold, then the end of the grace. */
export function presenceDeadline(session: SessionSnapshot, times: PresenceTimes): number {
  return session.lastFrameAt + (session.phase === SessionPhase.Online ? times.unreachableMs : times.graceMs);
}

export function sessionTransition(session: SessionSnapshot, event: SessionEvent, times: PresenceTimes): SessionStep {
  if (session.phase === SessionPhase.Ended) return event.type === 'LOGGED_OUT' ? CLOSE_AFTER_LOGOUT : UNCHANGED_ENDED;
  switch (event.type) {
    case 'HEARD':
      return session.phase === SessionPhase.Unreachable ? BACK_ONLINE : ONLINE;
    case 'RESUMED':
      return ONLINE;
    case 'SILENT':
      return session.phase === SessionPhase.Online && event.now < session.lastFrameAt + times.graceMs
        ? GONE_UNREACHABLE
        : EXPIRED;
    case 'LOGGED_OUT':
      return LOGGED_OUT;
    case 'KICKED':
      return {
        phase: SessionPhase.Ended,
        actions: [
          FORGET,
          { type: 'COUNT_KICKED', reason: event.reason },
          { type: 'SEND_KICKED', reason: event.reason },
        ],
      };
    case 'REPLACED':
      return REPLACED;
    case 'SENT_AWAY':
      return SENT_AWAY;
    case 'ENDED_ELSEWHERE': {
      // The client is there if heard within the grace: it reconnects at once and starts a new session,
      // as after any expiry.
      const present = event.now - session.lastFrameAt < times.graceMs;
      if (event.reason === EndReason.Expired) return present ? EXPIRED_ELSEWHERE_HERE : EXPIRED_ELSEWHERE_GONE;
      return present ? SENT_AWAY : DROPPED;
    }
    case 'MOVED':
      return DROPPED;
    case 'RESYNC':
      return { phase: session.phase, actions: RESYNC_ACTIONS };
  }
}
