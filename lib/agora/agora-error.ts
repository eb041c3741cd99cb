/**
 * How the facade fails (BEHAVIOUR §8.1): every rejection, and every throw of a method the original SDK has
 * synchronous, is an {@link AgoraRtmError} whose `code` is the number the SDK documents for that operation and
 * reason, whose `reason` is rx-rtm's code, and whose message names the reason.
 */
import { ErrorCode } from '../protocol/error-code.js';
import { RtmError } from '../protocol/rtm-error.js';

/** Why a facade call failed: one of rx-rtm's error codes, or a refusal of the facade's own. */
export const FacadeReason = {
  ...ErrorCode,
  /** Another `RtmChannel` object of this client has joined (or is joining) a channel of the same id. */
  ChannelIdInUse: 'CHANNEL_ID_IN_USE',
} as const;
export type FacadeReason = (typeof FacadeReason)[keyof typeof FacadeReason];

/** The error a facade call rejects (or throws) with. */
export class AgoraRtmError extends Error {
  override readonly name = 'AgoraRtmError';

  constructor(
    /** The original SDK's number for this failure of this operation; `reason` where it has none. */
    readonly code: number | FacadeReason,
    /** rx-rtm's code for the failure. */
    readonly reason: FacadeReason,
    message: string,
  ) {
    super(message);
  }
}

const R = FacadeReason;
type Codes = Partial<Record<FacadeReason, number>>;

// The original SDK's error numbers, per operation; a reason missing from an operation's table gets its UNKNOWN's.
const notLoggedIn = { [R.NotLoggedIn]: 102 };
const attributes: Codes = {
  [R.Unknown]: 2,
  [R.InvalidArgument]: 3,
  [R.LimitExceeded]: 4,
  [R.TooOften]: 5,
  [R.Timeout]: 7,
};
const peers: Codes = { [R.InvalidArgument]: 2, [R.LimitExceeded]: 6, [R.Timeout]: 4, [R.TooOften]: 5 };
const operations = {
  login: {
    [R.InvalidArgument]: 3,
    [R.InvalidAppId]: 4,
    [R.InvalidToken]: 5,
    [R.TokenExpired]: 6,
    [R.NotAuthorized]: 7,
    [R.AlreadyLogin]: 8,
    [R.Timeout]: 9,
    [R.TooOften]: 10,
    [R.Canceled]: 201,
  },
  createInstance: { [R.InvalidArgument]: 1 },
  logout: {},
  renewToken: { [R.InvalidArgument]: 2, [R.TooOften]: 4, [R.TokenExpired]: 5, [R.InvalidToken]: 6, [R.Canceled]: 201 },
  sendMessageToPeer: { [R.Timeout]: 2, [R.TooOften]: 5, [R.InvalidArgument]: 7, [R.LimitExceeded]: 7 },
  createChannel: { [R.InvalidArgument]: 1 },
  createLocalInvitation: { [R.InvalidArgument]: 1 },
  join: {
    [R.InvalidArgument]: 3,
    [R.LimitExceeded]: 5,
    [R.TooOften]: 7,
    [R.Canceled]: 201,
    [R.ChannelIdInUse]: 202,
  },
  leave: { [R.NotJoined]: 3 },
  getMembers: { [R.Timeout]: 3, [R.TooOften]: 4, [R.NotJoined]: 5 },
  sendMessage: {
    [R.Timeout]: 2,
    [R.TooOften]: 3,
    [R.InvalidArgument]: 4,
    [R.LimitExceeded]: 4,
    [R.NotJoined]: 5,
  },
  setLocalUserAttributes: attributes,
  addOrUpdateLocalUserAttributes: attributes,
  deleteLocalUserAttributesByKeys: attributes,
  clearLocalUserAttributes: attributes,
  getUserAttributes: attributes,
  getUserAttributesByKeys: attributes,
  setChannelAttributes: attributes,
  addOrUpdateChannelAttributes: attributes,
  deleteChannelAttributesByKeys: attributes,
  clearChannelAttributes: attributes,
  getChannelAttributes: attributes,
  getChannelAttributesByKeys: attributes,
  // The SDK's reference numbers (its typings carry none): 1 FAILURE … 5 EXCEED_LIMIT.
  getChannelMemberCount: {
    [R.Unknown]: 1,
    [R.InvalidArgument]: 2,
    [R.TooOften]: 3,
    [R.Timeout]: 4,
    [R.LimitExceeded]: 5,
  },
  queryPeersOnlineStatus: { ...peers, [R.LimitExceeded]: 2 },
  subscribePeersOnlineStatus: peers,
  unsubscribePeersOnlineStatus: peers,
  queryPeersBySubscriptionOption: { [R.InvalidArgument]: 1, [R.Timeout]: 2, [R.TooOften]: 3 },
  // The 1.4 SDK's media calls (BEHAVIOUR §7.6): its numbers are not in the typings the facade follows; `reason` says.
  createMediaMessageByUploading: {},
  createMediaMessageByMediaId: {},
  downloadMedia: {},
} satisfies Record<string, Codes>;

/** An operation of the facade that can fail. */
export type Operation = keyof typeof operations;

/**
 * The facade's error for `reason` in `operation`: the SDK's number for it (or `code`, where the number depends on
 * more than the reason), and a message naming both.
 */
export function agoraError(operation: Operation, reason: FacadeReason, detail: string, code?: number): AgoraRtmError {
  const codes: Codes = { ...notLoggedIn, ...operations[operation] };
  return new AgoraRtmError(
    code ?? codes[reason] ?? codes[R.Unknown] ?? 1,
    reason,
    `${operation} failed: ${reason}${detail && detail !== reason ? ` (${detail})` : ''}`,
  );
}

/** `error` (an rx-rtm error, or anything else thrown) as the facade's error for `operation`. */
export function asAgoraError(operation: Operation, error: unknown): AgoraRtmError {
  if (error instanceof AgoraRtmError) return error;
  if (error instanceof RtmError) return agoraError(operation, error.code, error.message);
  return agoraError(operation, R.Unknown, error instanceof Error ? error.message : String(error));
}

/** `promise`, its rejection turned into the facade's error for `operation`. */
export function failingAs<T>(operation: Operation, promise: Promise<T>): Promise<T> {
  return promise.catch((error: unknown) => Promise.reject(asAgoraError(operation, error)));
}
