/**
 * Everything that can happen to a connection, as data: the app's commands,
 * what the link reports, and the timers derived from the snapshot. The
 * transition function is defined for every one of them in every state.
 *
 * Events from the link and from timers carry the `epoch` (the login) they
 * belong to, so one that arrives after a logout or a new login is ignored
 * instead of acting on the wrong session.
 */
import type { ErrorCode } from '../protocol/error-code.js';
import type { KickReason } from '../protocol/frames.js';
import type { Writer } from './link.js';

export type ConnectionEvent =
  /** The app called `login` at time `at`; `request` identifies its promise. */
  | { type: 'LOGIN'; request: number; uid: string; token: string; at: number }
  /** The app called `logout`. */
  | { type: 'LOGOUT'; request: number }
  /** A token to use from now on (accepted by the server, or to try at the next attempt). */
  | { type: 'TOKEN_RENEWED'; token: string; tokenExpiresAt: number | undefined }
  /**
   * The server accepted a login or a resume on a new socket; `write` sends
   * on it. `resumed`: the server still had the session; `gap`: it had, but
   * lost some of its events. Times are the scheduler's.
   */
  | {
      type: 'LINK_UP';
      epoch: number;
      session: string;
      resumed: boolean;
      gap: boolean;
      tokenExpiresAt: number;
      write: Writer;
    }
  /** The link is down, surely since `since`; the link keeps trying to restore it. */
  | { type: 'LINK_DOWN'; epoch: number; since: number }
  /** Frames came through again on a socket that had gone silent. */
  | { type: 'LINK_RESTORED'; epoch: number }
  /** The server refused a login attempt. */
  | { type: 'LOGIN_REFUSED'; epoch: number; code: ErrorCode }
  /** The server ended the session for good. */
  | { type: 'KICKED'; epoch: number; reason: KickReason }
  /** Timer: the login timeout ran out. */
  | { type: 'LOGIN_TIMED_OUT'; epoch: number }
  /** Timer: the link has been down for the interruption threshold. */
  | { type: 'INTERRUPTION_THRESHOLD'; epoch: number }
  /** Timer: the token expiring at `tokenExpiresAt` is within its warning time. */
  | { type: 'TOKEN_WARNING'; epoch: number; tokenExpiresAt: number };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a login's link reports: the transition's events less the epoch, which the client adds. */
export type LinkStatusEvent = DistributiveOmit<
  Extract<ConnectionEvent, { type: 'LINK_UP' | 'LINK_DOWN' | 'LINK_RESTORED' | 'LOGIN_REFUSED' | 'KICKED' }>,
  'epoch'
>;

/** Effects a transition asks for; the client carries them out, in order. */
export type ConnectionAction =
  /** Settle the promise of `request`: resolve, or reject with `error`. */
  | { type: 'SETTLE'; request: number; error?: ErrorCode }
  /** Tell the server the session ends, if a socket is open (never waited for). */
  | { type: 'SEND_LOGOUT' }
  /**
   * Take the new socket (BEHAVIOUR §4): restore what the server lost (all of it
   * for a new session, what the gap may have hidden for a resumed one), then
   * send every pending request again on `write`.
   */
  | { type: 'RESUME_SESSION'; write: Writer; resumed: boolean; gap: boolean }
  /** The session ended (DISCONNECTED, ABORTED): drop its channels, subscriptions, attributes and requests. */
  | { type: 'FORGET_SESSION' }
  | { type: 'EMIT_TOKEN_EXPIRED' }
  | { type: 'EMIT_TOKEN_WILL_EXPIRE' };
