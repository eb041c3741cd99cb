/**
 * The call invitation requests (BEHAVIOUR §7.5): their checks, then the
 * node's {@link InvitationDesk}. Bad input is refused and changes nothing.
 */
import { ErrorCode } from '../protocol/error-code.js';
import type { ClientFrame, ReplyFrame } from '../protocol/frames.js';
import { CALL_TEXT_BYTES } from '../protocol/call-limits.js';
import { utf8Bytes } from '../protocol/limits.js';
import { nameProblem } from '../protocol/names.js';
import { refusal, type Refusal } from '../protocol/refusal.js';
import type { CallSession, InvitationDesk } from './invitation-desk.js';
import type { SharedCaller, SharedInvitations } from './shared-invitations.js';

export type CallRequest = Extract<ClientFrame, { t: 'invite' | 'callCancel' | 'callAnswer' }>;

/** No code of its own: a client would carry it in every app, for a store few servers use (BEHAVIOUR §7.5). */
const unoffered = refusal(
  ErrorCode.Unknown,
  'call invitations are not offered by this server: its store does not share them',
);

/** Carries out a call request on this node's desk; `held` finds the callee's live session on this node. */
export function callRequest<S extends CallSession>(
  desk: InvitationDesk<S> | undefined,
  session: S,
  frame: CallRequest,
  held: (uid: string) => S | undefined,
): ReplyFrame | Refusal {
  if (!desk) return unoffered;
  const refused = callProblem(session, frame);
  if (refused) return refused;
  switch (frame.t) {
    case 'invite':
      return desk.invite(session, frame.id, held(frame.to), frame.content, frame.channel);
    case 'callCancel':
      return desk.cancel(session, frame.id, frame.call);
    case 'callAnswer':
      return desk.answer(session, frame.id, frame.call, frame.accept, frame.response);
  }
}

/** Carries out a call request on the invitations the cluster's nodes share. */
export async function sharedCallRequest(
  desk: SharedInvitations,
  session: SharedCaller,
  frame: CallRequest,
): Promise<ReplyFrame | Refusal> {
  return callProblem(session, frame) ?? desk.request(session, frame);
}

/** What is wrong with a call request, whatever desk takes it. */
function callProblem(session: { readonly uid: string }, frame: CallRequest): Refusal | undefined {
  switch (frame.t) {
    case 'invite':
      return (
        idProblem('callee id', frame.to) ??
        (frame.to === session.uid ? refusal(ErrorCode.InvalidArgument, 'a user cannot invite itself') : undefined) ??
        (frame.channel === '' ? undefined : idProblem('channel id', frame.channel)) ??
        textProblem('content', frame.content)
      );
    case 'callCancel':
      return undefined;
    case 'callAnswer':
      return textProblem('response', frame.response);
  }
}

function idProblem(what: string, name: string): Refusal | undefined {
  const problem = nameProblem(name);
  return problem ? refusal(ErrorCode.InvalidArgument, `${what} ${problem}`) : undefined;
}

function textProblem(what: string, text: string): Refusal | undefined {
  return utf8Bytes(text) > CALL_TEXT_BYTES
    ? refusal(ErrorCode.InvalidArgument, `${what} over ${CALL_TEXT_BYTES} bytes`)
    : undefined;
}
