/**
 * The connection's rules (SPEC §2) as one pure, total function: given a
 * snapshot and an event, the next snapshot and the effects to run. No
 * clock, socket or promise is touched here; time arrives inside events.
 */
import { ErrorCode } from '../protocol/error-code.js';
import { KickReason } from '../protocol/vocabulary.js';
import type { ConnectionAction, ConnectionEvent } from './connection-event.js';
import { ConnectionChangeReason as Reason, ConnectionState as State, type ConnectionChangeReason, type ConnectionState } from './connection-state.js';

/** Everything the connection knows; the (state, reason) pair is what apps see. */
export interface ConnectionSnapshot {
  readonly state: ConnectionState;
  readonly reason: ConnectionChangeReason;
  /** Counts logins; link and timer events of an older login are ignored. */
  readonly epoch: number;
  /** Set from `login` until the client is DISCONNECTED again. */
  readonly credentials?: { readonly uid: string; readonly token: string };
  /** The `login` promise still waiting and when it was called (CONNECTING only). */
  readonly pendingLogin?: { readonly request: number; readonly since: number };
  /** The server's session id, offered on reconnect so the session resumes. */
  readonly session?: string;
  /** While the link is down: the latest moment it can have gone down. */
  readonly linkDownSince?: number;
  /** When the token expires, on the scheduler's clock. */
  readonly tokenExpiresAt?: number;
  /** The expiry already warned about, so each token is warned about once. */
  readonly tokenWarnedFor?: number;
  /** The token already reported expired, so `TokenExpired` fires once per token. */
  readonly tokenExpiredReported?: string;
}

export interface Step {
  readonly snapshot: ConnectionSnapshot;
  readonly actions: readonly ConnectionAction[];
}

/** Before the first `login`: DISCONNECTED, as after a logout. */
export const initialSnapshot: ConnectionSnapshot = { state: State.Disconnected, reason: Reason.Logout, epoch: 0 };

const stay = (snapshot: ConnectionSnapshot, ...actions: ConnectionAction[]): Step => ({ snapshot, actions });

/** Leaves the session behind: what DISCONNECTED keeps is the epoch counter. */
function disconnected(from: ConnectionSnapshot, reason: ConnectionChangeReason, ...actions: ConnectionAction[]): Step {
  return { snapshot: { state: State.Disconnected, reason, epoch: from.epoch }, actions };
}

function settleLogin(snapshot: ConnectionSnapshot, error?: ErrorCode): ConnectionAction[] {
  if (snapshot.pendingLogin === undefined) return [];
  const { request } = snapshot.pendingLogin;
  return [error ? { type: 'SETTLE', request, error } : { type: 'SETTLE', request }];
}

export function transition(s: ConnectionSnapshot, event: ConnectionEvent): Step {
  switch (event.type) {
    case 'LOGIN':
      if (s.state !== State.Disconnected) return stay(s, { type: 'SETTLE', request: event.request, error: ErrorCode.AlreadyLogin });
      return stay({
        state: State.Connecting,
        reason: Reason.Login,
        epoch: s.epoch + 1,
        credentials: { uid: event.uid, token: event.token },
        pendingLogin: { request: event.request, since: event.at },
      });

    case 'LOGOUT': {
      const done: ConnectionAction = { type: 'SETTLE', request: event.request };
      if (s.state === State.Disconnected) return stay(s, done);
      return disconnected(s, Reason.Logout, ...settleLogin(s, ErrorCode.Canceled), { type: 'SEND_LOGOUT' }, done);
    }

    case 'TOKEN_RENEWED':
      if (!s.credentials || s.state === State.Aborted) return stay(s);
      return stay({
        ...s,
        credentials: { ...s.credentials, token: event.token },
        tokenExpiresAt: event.tokenExpiresAt ?? s.tokenExpiresAt,
      });
  }

  // Everything below comes from the link or a timer of one login.
  if (event.epoch !== s.epoch) return stay(s);

  switch (event.type) {
    case 'LINK_UP': {
      if (s.state !== State.Connecting && s.state !== State.Connected && s.state !== State.Reconnecting) return stay(s);
      const up = { ...s, session: event.session, tokenExpiresAt: event.tokenExpiresAt, linkDownSince: undefined, pendingLogin: undefined };
      if (s.state === State.Connected) return stay(up);
      return stay({ ...up, state: State.Connected, reason: Reason.LoginSuccess }, ...settleLogin(s));
    }

    case 'LINK_DOWN':
      if (s.state !== State.Connected || s.linkDownSince !== undefined) return stay(s);
      return stay({ ...s, linkDownSince: event.since });

    case 'LINK_RESTORED':
      if (s.state !== State.Connected) return stay(s);
      return stay({ ...s, linkDownSince: undefined });

    case 'INTERRUPTION_THRESHOLD':
      if (s.state !== State.Connected || s.linkDownSince === undefined) return stay(s);
      return stay({ ...s, state: State.Reconnecting, reason: Reason.Interrupted });

    case 'LOGIN_TIMED_OUT':
      if (s.state !== State.Connecting) return stay(s);
      return disconnected(s, Reason.LoginTimeout, ...settleLogin(s, ErrorCode.Timeout));

    case 'LOGIN_REFUSED':
      if (s.state === State.Connecting) return disconnected(s, Reason.LoginFailure, ...settleLogin(s, event.code));
      if (s.state !== State.Connected && s.state !== State.Reconnecting) return stay(s);
      // A re-login refused: the client keeps trying (SPEC §2), except when it is banned.
      if (event.code === ErrorCode.NotAuthorized) return stay({ ...s, state: State.Aborted, reason: Reason.BannedByServer });
      if (event.code === ErrorCode.TokenExpired && s.tokenExpiredReported !== s.credentials?.token) {
        return stay({ ...s, tokenExpiredReported: s.credentials?.token }, { type: 'EMIT_TOKEN_EXPIRED' });
      }
      return stay(s);

    case 'KICKED': {
      const reason = event.reason === KickReason.BannedByServer ? Reason.BannedByServer : Reason.RemoteLogin;
      if (s.state === State.Connecting) return disconnected(s, Reason.LoginFailure, ...settleLogin(s, ErrorCode.NotAuthorized));
      if (s.state !== State.Connected && s.state !== State.Reconnecting) return stay(s);
      return stay({ ...s, state: State.Aborted, reason, linkDownSince: undefined });
    }

    case 'TOKEN_WARNING':
      if (s.state !== State.Connected || s.tokenExpiresAt !== event.tokenExpiresAt || s.tokenWarnedFor === event.tokenExpiresAt) return stay(s);
      return stay({ ...s, tokenWarnedFor: event.tokenExpiresAt }, { type: 'EMIT_TOKEN_WILL_EXPIRE' });
  }
}
