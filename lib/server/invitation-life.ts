/**
 * A call invitation's life on the server (BEHAVIOUR §7.5), as one pure, total
 * function like session-life.ts: given its state and an event, the next state
 * and whom to tell. The server runs every event of an invitation through this
 * one function, one at a time, so an accept and a cancel that cross are decided
 * once: whichever arrives first wins, the other finds it decided and changes
 * nothing, and both sides hear the same outcome. The side whose request decided
 * learns it from the reply, so only the other is told.
 *
 * | from           | event                    | to                          | tell           |
 * |----------------|--------------------------|-----------------------------|----------------|
 * | SENT           | DELIVERED                | RECEIVED                    | caller         |
 * | SENT, RECEIVED | ACCEPT / REFUSE          | ACCEPTED / REFUSED          | caller         |
 * | SENT, RECEIVED | CANCEL                   | CANCELED                    | callee         |
 * | SENT, RECEIVED | CALLER_GONE              | FAILED PEER_OFFLINE         | callee         |
 * | SENT, RECEIVED | CALLEE_GONE              | FAILED PEER_OFFLINE         | caller         |
 * | SENT           | NO_ACK, EXPIRED          | FAILED PEER_NO_RESPONSE     | caller, callee |
 * | RECEIVED       | EXPIRED                  | FAILED INVITATION_EXPIRE    | caller, callee |
 * | RECEIVED       | DELIVERED, NO_ACK        | RECEIVED                    | nobody         |
 * | decided        | anything                 | (same)                      | nobody         |
 */
import { CallFailure, CallState } from '../protocol/call-vocabulary.js';

/** An invitation's state with what its final states carry. */
export interface CallStatus {
  readonly state: CallState;
  readonly reason?: CallFailure;
  /** The callee's answer text, once ACCEPTED or REFUSED. */
  readonly response?: string;
}

export type CallEvent =
  /** The callee's client got the invitation (its socket was attached when it was sent, or later). */
  | { readonly type: 'DELIVERED' }
  | { readonly type: 'ACCEPT'; readonly response: string }
  | { readonly type: 'REFUSE'; readonly response: string }
  | { readonly type: 'CANCEL' }
  /** The caller's session ended. */
  | { readonly type: 'CALLER_GONE' }
  /** The callee's session ended. */
  | { readonly type: 'CALLEE_GONE' }
  /** The time to be received passed and the callee's client has not got it. */
  | { readonly type: 'NO_ACK' }
  /** The invitation's time passed with no answer. */
  | { readonly type: 'EXPIRED' };

export const CallParty = { Caller: 'caller', Callee: 'callee' } as const;
export type CallParty = (typeof CallParty)[keyof typeof CallParty];

export interface CallStep {
  readonly status: CallStatus;
  /** Who hears the new status as a `callState` event; none when nothing changed. */
  readonly tell: readonly CallParty[];
}

const BOTH = [CallParty.Caller, CallParty.Callee] as const;

/** True once the invitation's outcome is decided: nothing changes it any more. */
export function callDecided({ state }: CallStatus): boolean {
  return state !== CallState.Sent && state !== CallState.Received;
}

export function callTransition(status: CallStatus, event: CallEvent): CallStep {
  const unchanged: CallStep = { status, tell: [] };
  if (callDecided(status)) return unchanged;
  const received = status.state === CallState.Received;
  const failed = (reason: CallFailure, tell: readonly CallParty[]): CallStep => ({
    status: { state: CallState.Failed, reason },
    tell,
  });
  switch (event.type) {
    case 'DELIVERED':
      return received ? unchanged : { status: { state: CallState.Received }, tell: [CallParty.Caller] };
    case 'ACCEPT':
      return { status: { state: CallState.Accepted, response: event.response }, tell: [CallParty.Caller] };
    case 'REFUSE':
      return { status: { state: CallState.Refused, response: event.response }, tell: [CallParty.Caller] };
    case 'CANCEL':
      return { status: { state: CallState.Canceled }, tell: [CallParty.Callee] };
    case 'CALLER_GONE':
      return failed(CallFailure.PeerOffline, [CallParty.Callee]);
    case 'CALLEE_GONE':
      return failed(CallFailure.PeerOffline, [CallParty.Caller]);
    case 'NO_ACK':
      return received ? unchanged : failed(CallFailure.PeerNoResponse, BOTH);
    case 'EXPIRED':
      return failed(received ? CallFailure.Expired : CallFailure.PeerNoResponse, BOTH);
  }
}
