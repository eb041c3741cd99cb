/** The words of call invitations on the wire (BEHAVIOUR §7.5), apart from vocabulary.ts: only their parts use them. */
/**
 * Where a call invitation is (BEHAVIOUR §7.5), as the server decides it once for both sides:
 * sent, received by the callee's client, or one of the final outcomes.
 */
export const CallState = {
  Sent: 'SENT',
  Received: 'RECEIVED',
  Accepted: 'ACCEPTED',
  Refused: 'REFUSED',
  Canceled: 'CANCELED',
  Failed: 'FAILED',
} as const;
export type CallState = (typeof CallState)[keyof typeof CallState];

/** Why a call invitation FAILED (BEHAVIOUR §7.5), named as the original SDK names them. */
export const CallFailure = {
  /** The other side is not logged in, or its session ended. */
  PeerOffline: 'PEER_OFFLINE',
  /** The callee's session is alive but its client did not get the invitation in time. */
  PeerNoResponse: 'PEER_NO_RESPONSE',
  /** Received, but nobody answered or cancelled in time. */
  Expired: 'INVITATION_EXPIRE',
} as const;
export type CallFailure = (typeof CallFailure)[keyof typeof CallFailure];
