/**
 * `rx-rtm/invitations`: call invitations (BEHAVIOUR §7.5), apart from the client's entry so that an app without
 * them does not carry their code: `invitations(client)` gives a client's.
 *
 * @module rx-rtm/invitations
 */
export {
  CallFailureReason,
  IncomingCall,
  invitations,
  Invitations,
  OutgoingCall,
  type CallStatus,
  type InviteOptions,
} from './client/calls.js';
export { CallState } from './protocol/call-vocabulary.js';
