/**
 * The client's side of the call invitation frames (BEHAVIOUR §7.5): their checks and the requests' replies, added to
 * the client's tables when the app first takes up invitations (BEHAVIOUR §8.2), so the client's entry carries none.
 */
import { CallFailure, CallState } from '../protocol/call-vocabulary.js';
import { index, oneOf, string, type FrameChecks } from '../protocol/read-server-frame.js';

const callState = {
  call: string,
  state: oneOf(CallState),
  reason: { optional: oneOf(CallFailure) },
  response: { optional: string },
};

/** Every field of the invitation frames but `t`, as `lib/protocol/frames.ts` defines them. */
export const CALL_FRAMES: FrameChecks<'call' | 'invitation' | 'callState'> = {
  call: { id: index, ...callState },
  invitation: { seq: index, call: string, from: string, content: string, channel: string },
  callState: { seq: index, ...callState },
};

/** The reply each invitation request expects besides `fail`: the invitation's state. */
export const CALL_ANSWERS = { invite: 'call', callCancel: 'call', callAnswer: 'call' } as const;
