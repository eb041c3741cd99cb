/**
 * The call invitations of this node's sessions (BEHAVIOUR §7.5): each runs
 * through its pure transition (invitation-life.ts) one event at a time, and
 * whom the transition names hears the new state as a session event, which
 * the session buffers and replays like a message, so a side that reconnects
 * within its grace misses nothing. Invitations live here, on the node that
 * holds both sessions: a cluster node has no desk and refuses them. The
 * testing kit's fake server runs the same desk over its own sessions.
 */
import type { EventBody } from '../protocol/encode.js';
import { ErrorCode } from '../protocol/error-code.js';
import type { ReplyFrame } from '../protocol/frames.js';
import { refusal, type Refusal } from '../protocol/refusal.js';
import { CallFailure, CallState } from '../protocol/call-vocabulary.js';
import { callDecided, callTransition, CallParty, type CallEvent, type CallStatus } from './invitation-life.js';

/** What the desk needs of a session: who it is, and how to reach it. */
export interface CallSession {
  readonly id: string;
  readonly uid: string;
  /** Numbers, buffers and sends (if attached) an event, as every session event. */
  deliverEvent(event: EventBody): void;
  /** True while a socket carries the session: an event sent now is received. */
  readonly attached: boolean;
}

/** How long an invitation waits (BEHAVIOUR §7.5), as the original SDK documents it. */
export interface InvitationTimes {
  /** To be received by the callee's client, else PEER_NO_RESPONSE. */
  readonly ackMs: number;
  /** To be answered or cancelled, from its sending, else INVITATION_EXPIRE; also how long a decided one is kept. */
  readonly expireMs: number;
}

export const INVITATION_TIMES: InvitationTimes = { ackMs: 30_000, expireMs: 60_000 };

type CallReply = Extract<ReplyFrame, { t: 'call' }>;

interface Invitation<S extends CallSession> {
  readonly id: string;
  /** Its key in the by-request index. */
  readonly key: string;
  readonly caller: S;
  /** Undefined when the callee was not logged in: decided at once. */
  readonly callee: S | undefined;
  readonly sentAt: number;
  status: CallStatus;
  decidedAt: number | undefined;
}

const unknownCall = refusal(ErrorCode.InvalidArgument, 'no such call invitation');

export class InvitationDesk<S extends CallSession> {
  readonly #calls = new Map<string, Invitation<S>>();
  /** By the caller's session and request id, so that a re-sent `invite` is the same invitation. */
  readonly #byRequest = new Map<string, Invitation<S>>();
  #next = 1;

  constructor(
    private readonly times: InvitationTimes,
    private readonly now: () => number,
  ) {}

  /** Rings `callee` (undefined: not logged in, FAILED PEER_OFFLINE at once); a repeat of `requestId` answers alike. */
  invite(caller: S, requestId: number, callee: S | undefined, content: string, channel: string): CallReply {
    const key = requestKey(caller, requestId);
    const existing = this.#byRequest.get(key);
    if (existing) return reply(requestId, existing);
    const now = this.now();
    const invitation: Invitation<S> = {
      id: `c${this.#next++}`,
      key,
      caller,
      callee,
      sentAt: now,
      status: callee ? { state: CallState.Sent } : { state: CallState.Failed, reason: CallFailure.PeerOffline },
      decidedAt: callee ? undefined : now,
    };
    this.#calls.set(invitation.id, invitation);
    this.#byRequest.set(key, invitation);
    if (callee) {
      callee.deliverEvent({ t: 'invitation', call: invitation.id, from: caller.uid, content, channel });
      // Received at once by an attached client; the reply tells the caller, so no event is needed.
      if (callee.attached) invitation.status = callTransition(invitation.status, { type: 'DELIVERED' }).status;
    }
    return reply(requestId, invitation);
  }

  /** The caller cancels; on a decided invitation nothing changes and the reply says its outcome. */
  cancel(session: S, requestId: number, call: string): CallReply | Refusal {
    const invitation = this.#calls.get(call);
    if (invitation?.caller !== session) return unknownCall;
    this.#step(invitation, { type: 'CANCEL' });
    return reply(requestId, invitation);
  }

  /** The callee accepts or refuses; as {@link cancel}, a decided invitation stays as it is. */
  answer(session: S, requestId: number, call: string, accept: boolean, response: string): CallReply | Refusal {
    const invitation = this.#calls.get(call);
    if (invitation?.callee !== session) return unknownCall;
    this.#step(invitation, { type: accept ? 'ACCEPT' : 'REFUSE', response });
    return reply(requestId, invitation);
  }

  /** The session ended: its live invitations fail for the other side, and its own are forgotten. */
  ended(session: S): void {
    for (const invitation of this.#calls.values()) {
      if (invitation.caller === session) {
        this.#step(invitation, { type: 'CALLER_GONE' });
        this.#forget(invitation);
      } else if (invitation.callee === session) this.#step(invitation, { type: 'CALLEE_GONE' });
    }
  }

  /** Moves invitations by the clock: received, not received, expired; forgets those decided long enough ago. */
  tick(): void {
    const now = this.now();
    const { ackMs, expireMs } = this.times;
    for (const invitation of this.#calls.values()) {
      if (invitation.decidedAt !== undefined) {
        if (now - invitation.decidedAt >= expireMs) this.#forget(invitation);
        continue;
      }
      const age = now - invitation.sentAt;
      if (age >= expireMs) this.#step(invitation, { type: 'EXPIRED' });
      else if (age >= ackMs && invitation.status.state === CallState.Sent)
        // Its client came back within the grace and got the invitation replayed, or it did not.
        this.#step(invitation, { type: invitation.callee?.attached ? 'DELIVERED' : 'NO_ACK' });
    }
  }

  #step(invitation: Invitation<S>, event: CallEvent): void {
    const { status, tell } = callTransition(invitation.status, event);
    invitation.status = status;
    if (invitation.decidedAt === undefined && callDecided(status)) invitation.decidedAt = this.now();
    if (tell.length === 0) return;
    const news: EventBody = { t: 'callState', call: invitation.id, ...status };
    for (const party of tell) (party === CallParty.Caller ? invitation.caller : invitation.callee)?.deliverEvent(news);
  }

  #forget(invitation: Invitation<S>): void {
    this.#calls.delete(invitation.id);
    this.#byRequest.delete(invitation.key);
  }
}

function requestKey(session: CallSession, requestId: number): string {
  return `${session.id}\n${requestId}`;
}

function reply(id: number, { id: call, status }: Invitation<CallSession>): CallReply {
  return { t: 'call', id, call, ...status };
}
