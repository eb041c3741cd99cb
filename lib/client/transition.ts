/**
 * The connection's rules (BEHAVIOUR §2) as one pure, total function: given a
 * snapshot and an event, the next snapshot and the effects to run. No
 * clock, socket or promise is touched here; time arrives inside events,
 * and the timers the client runs are read off the snapshot by
 * {@link deadlines}, below the table.
 *
 * {@link rows} is the whole of it: the first row whose `from`, `on` and
 * `when` fit the snapshot and event decides; an event no row fits changes
 * nothing. README's state table is these rows, those that enter a state
 * (spec/client/state-table.spec.ts holds the two together).
 */
import { ErrorCode } from '../protocol/error-code.js';
import { KickReason } from '../protocol/vocabulary.js';
import type { ConnectionAction, ConnectionEvent } from './connection-event.js';
import {
  ConnectionChangeReason as Reason,
  ConnectionState as State,
  type ConnectionChangeReason,
  type ConnectionState,
} from './connection-state.js';

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

type EventType = ConnectionEvent['type'];
type EventOf<T extends EventType> = Extract<ConnectionEvent, { type: T }>;

/** "Nothing changes": the state and reason stay (the row may still update the snapshot or act). */
export const unchanged = 'unchanged';
/** A state entered and the reason given for it. */
export interface Entry {
  readonly state: ConnectionState;
  readonly reason: ConnectionChangeReason;
}
/**
 * "Enter STATE with REASON". Entering DISCONNECTED leaves the login behind:
 * of the snapshot only the epoch counter stays.
 */
export const enter = (state: ConnectionState, reason: ConnectionChangeReason): Entry => ({ state, reason });

/** What a row does besides the pair: what the snapshot learns, and the effects, in order. */
interface Outcome {
  readonly learn?: Partial<ConnectionSnapshot>;
  readonly actions?: readonly ConnectionAction[];
}

/** One row of the table. Methods, not function properties, so a row of one event type is a row. */
export interface Row<T extends EventType = EventType> {
  readonly from: readonly ConnectionState[];
  readonly on: T;
  when?(s: ConnectionSnapshot, event: EventOf<T>): boolean;
  readonly to: Entry | typeof unchanged;
  then?(s: ConnectionSnapshot, event: EventOf<T>): Outcome;
}
// Sound because `transition` calls a row only with an event of its `on`.
const row = <T extends EventType>(r: Row<T>): Row => r as unknown as Row;

const { Disconnected, Connecting, Connected, Reconnecting, Aborted } = State;
/** Logged in, through the link or trying to get it back. */
const LOGGED_IN = [Connected, Reconnecting];
/** Every state with a login (credentials) in it. */
const AFTER_LOGIN = [Connecting, Connected, Reconnecting, Aborted];

const settle = (request: number, error?: ErrorCode): ConnectionAction =>
  error ? { type: 'SETTLE', request, error } : { type: 'SETTLE', request };
/** Settles the waiting `login`, if any. */
const settleLogin = (s: ConnectionSnapshot, error?: ErrorCode): ConnectionAction[] =>
  s.pendingLogin ? [settle(s.pendingLogin.request, error)] : [];
const sendLogout: ConnectionAction = { type: 'SEND_LOGOUT' };
const forget: ConnectionAction = { type: 'FORGET_SESSION' };
const resume = ({ write, resumed, gap }: EventOf<'LINK_UP'>): ConnectionAction => ({
  type: 'RESUME_SESSION',
  write,
  resumed,
  gap,
});
/** What a new link tells the snapshot: it is up, and which session and token expiry it has. */
const linkUp = (e: EventOf<'LINK_UP'>): Partial<ConnectionSnapshot> => ({
  session: e.session,
  tokenExpiresAt: e.tokenExpiresAt,
  linkDownSince: undefined,
  pendingLogin: undefined,
});
const linkIsDown = (s: ConnectionSnapshot) => s.linkDownSince !== undefined;

export const rows: readonly Row[] = [
  // The app's commands.
  row({
    from: [Disconnected],
    on: 'LOGIN',
    to: enter(Connecting, Reason.Login),
    then: (s, e) => ({
      learn: {
        epoch: s.epoch + 1,
        credentials: { uid: e.uid, token: e.token },
        pendingLogin: { request: e.request, since: e.at },
      },
    }),
  }),
  row({
    from: AFTER_LOGIN,
    on: 'LOGIN',
    to: unchanged,
    then: (_, e) => ({ actions: [settle(e.request, ErrorCode.AlreadyLogin)] }),
  }),
  row({ from: [Disconnected], on: 'LOGOUT', to: unchanged, then: (_, e) => ({ actions: [settle(e.request)] }) }),
  row({
    from: AFTER_LOGIN,
    on: 'LOGOUT',
    to: enter(Disconnected, Reason.Logout),
    then: (s, e) => ({ actions: [...settleLogin(s, ErrorCode.Canceled), sendLogout, settle(e.request), forget] }),
  }),
  row({
    from: [Connecting, Connected, Reconnecting],
    on: 'TOKEN_RENEWED',
    to: unchanged,
    then: (s, e) => ({
      learn: {
        credentials: s.credentials && { ...s.credentials, token: e.token },
        tokenExpiresAt: e.tokenExpiresAt ?? s.tokenExpiresAt,
      },
    }),
  }),

  // What the link of this login reports.
  row({
    from: [Connecting],
    on: 'LINK_UP',
    to: enter(Connected, Reason.LoginSuccess),
    then: (s, e) => ({ learn: linkUp(e), actions: [resume(e), ...settleLogin(s)] }),
  }),
  row({
    from: [Reconnecting],
    on: 'LINK_UP',
    to: enter(Connected, Reason.LoginSuccess),
    then: (_, e) => ({ learn: linkUp(e), actions: [resume(e)] }),
  }),
  row({
    from: [Connected],
    on: 'LINK_UP',
    to: unchanged,
    then: (_, e) => ({ learn: linkUp(e), actions: [resume(e)] }),
  }),
  row({
    from: [Connected],
    on: 'LINK_DOWN',
    when: (s) => !linkIsDown(s),
    to: unchanged,
    then: (_, e) => ({ learn: { linkDownSince: e.since } }),
  }),
  row({ from: [Connected], on: 'LINK_RESTORED', to: unchanged, then: () => ({ learn: { linkDownSince: undefined } }) }),
  row({
    from: [Connecting],
    on: 'LOGIN_REFUSED',
    to: enter(Disconnected, Reason.LoginFailure),
    then: (s, e) => ({ actions: [...settleLogin(s, e.code), forget] }),
  }),
  // A re-login refused: the client keeps trying (BEHAVIOUR §2), except when it is banned.
  row({
    from: LOGGED_IN,
    on: 'LOGIN_REFUSED',
    when: (_, e) => e.code === ErrorCode.NotAuthorized,
    to: enter(Aborted, Reason.BannedByServer),
    then: () => ({ actions: [forget] }),
  }),
  row({
    from: LOGGED_IN,
    on: 'LOGIN_REFUSED',
    when: (s, e) => e.code === ErrorCode.TokenExpired && s.tokenExpiredReported !== s.credentials?.token,
    to: unchanged,
    then: (s) => ({ learn: { tokenExpiredReported: s.credentials?.token }, actions: [{ type: 'EMIT_TOKEN_EXPIRED' }] }),
  }),
  row({
    from: [Connecting],
    on: 'KICKED',
    to: enter(Disconnected, Reason.LoginFailure),
    then: (s) => ({ actions: [...settleLogin(s, ErrorCode.NotAuthorized), forget] }),
  }),
  row({
    from: LOGGED_IN,
    on: 'KICKED',
    when: (_, e) => e.reason === KickReason.BannedByServer,
    to: enter(Aborted, Reason.BannedByServer),
    then: () => ({ learn: { linkDownSince: undefined }, actions: [forget] }),
  }),
  row({
    from: LOGGED_IN,
    on: 'KICKED',
    to: enter(Aborted, Reason.RemoteLogin),
    then: () => ({ learn: { linkDownSince: undefined }, actions: [forget] }),
  }),

  // The timers of this login, from {@link deadlines}.
  row({
    from: [Connecting],
    on: 'LOGIN_TIMED_OUT',
    to: enter(Disconnected, Reason.LoginTimeout),
    then: (s) => ({ actions: [...settleLogin(s, ErrorCode.Timeout), forget] }),
  }),
  row({
    from: [Connected],
    on: 'INTERRUPTION_THRESHOLD',
    when: linkIsDown,
    to: enter(Reconnecting, Reason.Interrupted),
  }),
  row({
    from: [Connected],
    on: 'TOKEN_WARNING',
    when: (s, e) => s.tokenExpiresAt === e.tokenExpiresAt && s.tokenWarnedFor !== e.tokenExpiresAt,
    to: unchanged,
    then: (_, e) => ({ learn: { tokenWarnedFor: e.tokenExpiresAt }, actions: [{ type: 'EMIT_TOKEN_WILL_EXPIRE' }] }),
  }),
];

export function transition(s: ConnectionSnapshot, event: ConnectionEvent): Step {
  // Link and timer events of another login are stale.
  const stale = 'epoch' in event && event.epoch !== s.epoch;
  const match = stale
    ? undefined
    : rows.find((r) => r.on === event.type && r.from.includes(s.state) && (r.when?.(s, event) ?? true));
  if (!match) return { snapshot: s, actions: [] };
  const { learn, actions = [] } = match.then?.(s, event) ?? {};
  const { to } = match;
  const entered = to === unchanged ? s : to.state === Disconnected ? { ...to, epoch: s.epoch } : { ...s, ...to };
  return { snapshot: learn ? { ...entered, ...learn } : entered, actions };
}

/** The durations of BEHAVIOUR §3 the connection's timers run for. */
export interface Timings {
  readonly loginTimeoutMs: number;
  readonly interruptionThresholdMs: number;
  readonly tokenWarningMs: number;
}

/** A timer the snapshot asks for: `event` at time `at` of the scheduler. */
export interface Deadline {
  readonly at: number;
  readonly event: ConnectionEvent;
}

/**
 * The timers a snapshot asks for, each by name: the client runs each while
 * it stays the same and cancels it once it is gone, so no timer outlives
 * the state that asked for it.
 */
export function deadlines(
  s: ConnectionSnapshot,
  t: Timings,
): Record<'login' | 'interruption' | 'tokenWarning', Deadline | undefined> {
  const connected = s.state === Connected;
  return {
    login: s.pendingLogin && {
      at: s.pendingLogin.since + t.loginTimeoutMs,
      event: { type: 'LOGIN_TIMED_OUT', epoch: s.epoch },
    },
    interruption:
      connected && s.linkDownSince !== undefined
        ? { at: s.linkDownSince + t.interruptionThresholdMs, event: { type: 'INTERRUPTION_THRESHOLD', epoch: s.epoch } }
        : undefined,
    tokenWarning:
      connected && s.tokenExpiresAt !== undefined && s.tokenWarnedFor !== s.tokenExpiresAt
        ? {
            at: s.tokenExpiresAt - t.tokenWarningMs,
            event: { type: 'TOKEN_WARNING', epoch: s.epoch, tokenExpiresAt: s.tokenExpiresAt },
          }
        : undefined,
  };
}
