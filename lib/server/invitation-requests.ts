/**
 * The call invitation requests (BEHAVIOUR §7.5): their checks, then the
 * node's {@link InvitationDesk}. Bad input is refused and changes nothing.
 */
import { ErrorCode } from '../protocol/error-code.js';
import type { ClientFrame, ReplyFrame } from '../protocol/frames.js';
import { CALL_TEXT_BYTES, utf8Bytes } from '../protocol/limits.js';
import { nameProblem } from '../protocol/names.js';
import { refusal, type Refusal } from '../protocol/refusal.js';
import type { CallSession, InvitationDesk } from './invitation-desk.js';

export type CallRequest = Extract<ClientFrame, { t: 'invite' | 'callCancel' | 'callAnswer' }>;

const clustered = refusal(ErrorCode.NotSupported, 'call invitations are not offered by a cluster node');

/** Carries out a call request; `held` finds the callee's live session on this node. */
export function callRequest<S extends CallSession>(
  desk: InvitationDesk<S> | undefined,
  session: S,
  frame: CallRequest,
  held: (uid: string) => S | undefined,
): ReplyFrame | Refusal {
  if (!desk) return clustered;
  switch (frame.t) {
    case 'invite': {
      const refused =
        idProblem('callee id', frame.to) ??
        (frame.to === session.uid ? refusal(ErrorCode.InvalidArgument, 'a user cannot invite itself') : undefined) ??
        (frame.channel === '' ? undefined : idProblem('channel id', frame.channel)) ??
        textProblem('content', frame.content);
      if (refused) return refused;
      return desk.invite(session, frame.id, held(frame.to), frame.content, frame.channel);
    }
    case 'callCancel':
      return desk.cancel(session, frame.id, frame.call);
    case 'callAnswer':
      return (
        textProblem('response', frame.response) ??
        desk.answer(session, frame.id, frame.call, frame.accept, frame.response)
      );
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
