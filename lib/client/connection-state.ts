/** The five connection states of BEHAVIOUR §1. */
export const ConnectionState = {
  Disconnected: 'DISCONNECTED',
  Connecting: 'CONNECTING',
  Connected: 'CONNECTED',
  Reconnecting: 'RECONNECTING',
  Aborted: 'ABORTED',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** Why the state last changed (BEHAVIOUR §1). */
export const ConnectionChangeReason = {
  Login: 'LOGIN',
  LoginSuccess: 'LOGIN_SUCCESS',
  LoginFailure: 'LOGIN_FAILURE',
  LoginTimeout: 'LOGIN_TIMEOUT',
  Interrupted: 'INTERRUPTED',
  Logout: 'LOGOUT',
  RemoteLogin: 'REMOTE_LOGIN',
  BannedByServer: 'BANNED_BY_SERVER',
} as const;
export type ConnectionChangeReason = (typeof ConnectionChangeReason)[keyof typeof ConnectionChangeReason];

/** What `connectionState$` emits: a state and the reason it was entered. */
export interface ConnectionStatePair {
  /** The state now. */
  readonly state: ConnectionState;
  /** Why it was entered. */
  readonly reason: ConnectionChangeReason;
}
