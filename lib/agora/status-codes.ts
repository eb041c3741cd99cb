/**
 * The original SDK's enum objects (BEHAVIOUR §8), with its keys and string values.
 *
 * TypeScript enums, not the house's const objects: TypeScript relates two enums by their name and members, so an
 * app's code typed against the original SDK's enums takes these, and these take its.
 */

export enum ConnectionState {
  DISCONNECTED = 'DISCONNECTED',
  CONNECTING = 'CONNECTING',
  CONNECTED = 'CONNECTED',
  RECONNECTING = 'RECONNECTING',
  ABORTED = 'ABORTED',
}

/** `TOKEN_EXPIRED` is the SDK's, never announced here: an expired token shows as `TokenExpired` (BEHAVIOUR §4). */
export enum ConnectionChangeReason {
  LOGIN = 'LOGIN',
  LOGIN_SUCCESS = 'LOGIN_SUCCESS',
  LOGIN_FAILURE = 'LOGIN_FAILURE',
  LOGIN_TIMEOUT = 'LOGIN_TIMEOUT',
  INTERRUPTED = 'INTERRUPTED',
  LOGOUT = 'LOGOUT',
  BANNED_BY_SERVER = 'BANNED_BY_SERVER',
  REMOTE_LOGIN = 'REMOTE_LOGIN',
  TOKEN_EXPIRED = 'TOKEN_EXPIRED',
}

export enum MessageType {
  TEXT = 'TEXT',
  RAW = 'RAW',
}

export enum PeerOnlineState {
  ONLINE = 'ONLINE',
  UNREACHABLE = 'UNREACHABLE',
  OFFLINE = 'OFFLINE',
}

export enum PeerSubscriptionOption {
  ONLINE_STATUS = 'ONLINE_STATUS',
}

/** Taken by `setArea` and ignored: the app's own server has no regions. */
export enum AreaCode {
  GLOBAL = 'GLOBAL',
  INDIA = 'INDIA',
  JAPAN = 'JAPAN',
  ASIA = 'ASIA',
  EUROPE = 'EUROPE',
  CHINA = 'CHINA',
  NORTH_AMERICA = 'NORTH_AMERICA',
}

export enum LocalInvitationState {
  IDLE = 'IDLE',
  SENT_TO_REMOTE = 'SENT_TO_REMOTE',
  RECEIVED_BY_REMOTE = 'RECEIVED_BY_REMOTE',
  ACCEPTED_BY_REMOTE = 'ACCEPTED_BY_REMOTE',
  REFUSED_BY_REMOTE = 'REFUSED_BY_REMOTE',
  CANCELED = 'CANCELED',
  FAILURE = 'FAILURE',
}

export enum RemoteInvitationState {
  INVITATION_RECEIVED = 'INVITATION_RECEIVED',
  ACCEPT_SENT_TO_LOCAL = 'ACCEPT_SENT_TO_LOCAL',
  REFUSED = 'REFUSED',
  ACCEPTED = 'ACCEPTED',
  CANCELED = 'CANCELED',
  FAILURE = 'FAILURE',
}

export enum LocalInvitationFailureReason {
  UNKNOWN = 'UNKNOWN',
  PEER_NO_RESPONSE = 'PEER_NO_RESPONSE',
  INVITATION_EXPIRE = 'INVITATION_EXPIRE',
  PEER_OFFLINE = 'PEER_OFFLINE',
  NOT_LOGGEDIN = 'NOT_LOGGEDIN',
}

export enum RemoteInvitationFailureReason {
  UNKNOWN = 'UNKNOWN',
  PEER_OFFLINE = 'PEER_OFFLINE',
  ACCEPT_FAILURE = 'ACCEPT_FAILURE',
  INVITATION_EXPIRE = 'INVITATION_EXPIRE',
}
