/**
 * Error codes carried by {@link RtmError} and by error frames on the wire.
 *
 * The login codes are the seed SDK's (BEHAVIOUR §5); the rest name what other
 * operations can meet, so that every failure a program sees is a code it can
 * switch on, never a bare message.
 */
export const ErrorCode = {
  /** Anything not covered below; a bug report is welcome when it shows up. */
  Unknown: 'UNKNOWN',
  /** An argument or a frame field is malformed or out of its limits. */
  InvalidArgument: 'INVALID_ARGUMENT',
  /** The app id is not known to the server. */
  InvalidAppId: 'INVALID_APP_ID',
  /** The token is malformed, signed by another secret, or for another app or uid. */
  InvalidToken: 'INVALID_TOKEN',
  /** The token was valid but its expiry time has passed. */
  TokenExpired: 'TOKEN_EXPIRED',
  /** The uid is not allowed to log in (banned by the operator). */
  NotAuthorized: 'NOT_AUTHORIZED',
  /** `login` was called while not DISCONNECTED. */
  AlreadyLogin: 'ALREADY_LOGIN',
  /** The operation did not complete in its time (the 6 s login timeout). */
  Timeout: 'TIMEOUT',
  /** A rate limit of BEHAVIOUR §5 was exceeded; nothing was done. */
  TooOften: 'TOO_OFTEN',
  /** The operation needs a logged-in client. */
  NotLoggedIn: 'NOT_LOGGED_IN',
  /** The operation was cancelled by `logout` before it completed. */
  Canceled: 'CANCELED',
  /**
   * A count limit of BEHAVIOUR §5 would be passed: 20 joined channels, 512 subscribed peers,
   * 32 attributes, 16 KB of attributes a call.
   */
  LimitExceeded: 'LIMIT_EXCEEDED',
  /** The operation needs the channel to be joined. */
  NotJoined: 'NOT_JOINED',
  /** A frame did not follow the protocol (bad JSON, unknown type, sent before login). */
  ProtocolError: 'PROTOCOL_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
