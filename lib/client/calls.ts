/**
 * Call invitations on the client (BEHAVIOUR §7.5): an invitation is an
 * object whose status is an observable, ending when its outcome is decided.
 * The server decides every outcome, once for both sides; this side shows
 * what it replies and announces, never moving a decided status. Across a
 * reconnect within the grace the server replays what was missed; a lost
 * session fails what was live.
 */
import { BehaviorSubject, filter, Subject, switchMap } from './rx.js';
// Not through ./rx.js: listed there, the client's entry would carry their names though it never uses them.
import { of, take, takeWhile, type Observable } from 'rxjs';
import { ErrorCode } from '../protocol/error-code.js';
import type { ServerFrame } from '../protocol/frames.js';
import { CALL_TEXT_BYTES } from '../protocol/call-limits.js';
import { utf8Bytes } from '../protocol/limits.js';
import { RtmError } from '../protocol/rtm-error.js';
import { CallFailure, CallState } from '../protocol/call-vocabulary.js';
import { invalidName } from './invalid-name.js';
import { CALL_ANSWERS, CALL_FRAMES } from './call-wire.js';
import { addAnswers, type RequestBody, type Requests } from './requests.js';
import type { RtmClient } from './rtm-client.js';
import type { Session, SessionPlug } from './session.js';
import { addServerFrames } from '../protocol/read-server-frame.js';

/** Why an invitation FAILED: the server's reasons, and two of this side's. */
export const CallFailureReason = {
  ...CallFailure,
  /** This user's session ended, or was never there, before the outcome. */
  NotLoggedIn: 'NOT_LOGGEDIN',
  /** The server refused the invitation; `error` says why. */
  Unknown: 'UNKNOWN',
} as const;
export type CallFailureReason = (typeof CallFailureReason)[keyof typeof CallFailureReason];

/** An invitation's status; `response` is the callee's answer text once ACCEPTED or REFUSED. */
export interface CallStatus {
  readonly state: CallState;
  readonly reason?: CallFailureReason;
  readonly response?: string;
  /** Why the server refused it, for reason UNKNOWN. */
  readonly error?: RtmError;
}

/** Options of {@link Invitations.invite}: what the callee sees with the invitation. */
export interface InviteOptions {
  /** Free text, at most 8 KB of UTF-8. */
  readonly content?: string;
  /** The channel the call is about, if any (a valid channel id). */
  readonly channelId?: string;
}

type CallFrame = Pick<Extract<ServerFrame, { t: 'callState' }>, 'state' | 'reason' | 'response'>;

/** SENT < RECEIVED < any outcome: a status never moves back. */
const rank = (state: CallState) => (state === CallState.Sent ? 0 : state === CallState.Received ? 1 : 2);

/** What both sides' invitations share: the status, as a value and an observable that completes once decided. */
abstract class Call {
  readonly #status: BehaviorSubject<CallStatus>;
  /** The current status, replayed to each subscriber; completes once the outcome is decided. */
  readonly status$: Observable<CallStatus>;

  constructor(
    /** Free text from the caller. */
    readonly content: string,
    /** The channel the call is about, '' if none. */
    readonly channelId: string,
    initial: CallStatus,
  ) {
    this.#status = new BehaviorSubject(initial);
    // The outcome, replayed then complete, also to a subscriber that comes after it.
    this.status$ = this.#status.pipe(takeWhile(({ state }) => rank(state) < 2, true));
  }

  get status(): CallStatus {
    return this.#status.value;
  }

  /** True once the outcome is decided. */
  get decided(): boolean {
    return rank(this.status.state) === 2;
  }

  /** @internal Moves the status forward as the server says; a stale or repeated word changes nothing. */
  update({ state, reason, response }: CallFrame | CallStatus, error?: RtmError): void {
    if (this.decided || rank(state) <= rank(this.status.state)) return;
    this.#status.next({
      state,
      ...(reason === undefined ? {} : { reason }),
      ...(response === undefined ? {} : { response }),
      ...(error === undefined ? {} : { error }),
    });
  }
}

/** An invitation this user sent, made by {@link Invitations.invite}. */
export class OutgoingCall extends Call {
  /** @internal */
  constructor(
    readonly calleeId: string,
    content: string,
    channelId: string,
    private readonly calls: Invitations,
    /** @internal The server's id for it once it has one; errors if it never gets one. */
    readonly id$: Observable<string>,
  ) {
    super(content, channelId, { state: CallState.Sent });
  }

  /** Cancels it; resolves once the server decided (a crossing answer may win: see {@link status}). */
  cancel(): Promise<void> {
    return this.calls.request(this, (call) => ({ t: 'callCancel', call }));
  }
}

/** An invitation this user received, from {@link Invitations.incoming$}. */
export class IncomingCall extends Call {
  /** @internal */
  constructor(
    readonly callerId: string,
    content: string,
    channelId: string,
    private readonly calls: Invitations,
    /** @internal The server's id for it. */
    readonly id$: Observable<string>,
  ) {
    super(content, channelId, { state: CallState.Received });
  }

  /** Accepts with `response` (at most 8 KB); resolves once the server decided (a crossing cancel may win). */
  accept(response = ''): Promise<void> {
    return this.calls.answer(this, true, response);
  }

  /** Refuses with `response` (at most 8 KB); resolves once the server decided. */
  refuse(response = ''): Promise<void> {
    return this.calls.answer(this, false, response);
  }
}

/**
 * A client's call invitations (BEHAVIOUR §7.5), from {@link invitations}: {@link invite} to send one,
 * {@link incoming$} for those received.
 */
export class Invitations implements SessionPlug {
  /** @internal The session's events it takes. */
  readonly events = ['invitation', 'callState'] as const;
  /** Invitations to this user, each once, also across reconnects within the grace. */
  readonly incoming$: Observable<IncomingCall>;
  readonly #incoming = new Subject<IncomingCall>();
  /** Live invitations by the server's id; dropped once decided. */
  readonly #live = new Map<string, Call>();

  constructor(private readonly requests: Requests) {
    this.incoming$ = this.#incoming.asObservable();
  }

  /**
   * Invites a user to a call: sent at once; its `status$` says what the server decided. Throws INVALID_ARGUMENT,
   * sending nothing, for a bad callee or channel id or content over 8 KB.
   */
  invite(calleeId: string, { content = '', channelId = '' }: InviteOptions = {}): OutgoingCall {
    const invalid =
      invalidName('callee id', calleeId) ??
      (channelId === '' ? undefined : invalidName('channel id', channelId)) ??
      textProblem('content', content);
    if (invalid) throw invalid;
    const id = new BehaviorSubject<string | undefined>(undefined);
    const call = new OutgoingCall(
      calleeId,
      content,
      channelId,
      this,
      id.pipe(
        filter((known): known is string => known !== undefined),
        take(1),
      ),
    );
    const refused = this.requests.refusal();
    if (refused) {
      id.error(refused);
      call.update({ state: CallState.Failed, reason: CallFailureReason.NotLoggedIn });
      return call;
    }
    // Carried out once per id: a repeat on a new session could ring twice (BEHAVIOUR §7's in-doubt rules).
    const invite = { t: 'invite', to: calleeId, content, channel: channelId } as const;
    this.requests.request$(invite, { once: true }).subscribe({
      next: (reply) => {
        id.next(reply.call);
        this.#track(reply.call, call);
        call.update(reply);
      },
      error: (error: RtmError) => {
        id.error(error);
        call.update(failure(error), error);
      },
    });
    return call;
  }

  /** @internal */
  async answer(call: IncomingCall, accept: boolean, response: string): Promise<void> {
    const invalid = textProblem('response', response);
    if (invalid) throw invalid;
    return this.request(call, (id) => ({ t: 'callAnswer', call: id, accept, response }));
  }

  /**
   * @internal A request about `call` once it has its id; nothing is sent once it is decided.
   * The reply moves the status as it arrives, not a promise's turn later.
   */
  async request(
    call: Call & { readonly id$: Observable<string> },
    body: (id: string) => Extract<RequestBody, { t: 'callCancel' | 'callAnswer' }>,
  ): Promise<void> {
    if (call.decided) return Promise.resolve();
    const refused = this.requests.refusal();
    if (refused) throw refused;
    return new Promise((resolve, reject) => {
      call.id$.pipe(switchMap((id) => this.requests.request$(body(id)))).subscribe({
        next: (reply) => {
          call.update(reply);
          resolve();
        },
        error: reject,
      });
    });
  }

  /** @internal An `invitation` or `callState` event, seen once, in order. */
  event(frame: Extract<ServerFrame, { seq: number }>): void {
    if (frame.t === 'callState') return this.#live.get(frame.call)?.update(frame);
    if (frame.t !== 'invitation') return;
    const call = new IncomingCall(frame.from, frame.content, frame.channel, this, of(frame.call));
    this.#track(frame.call, call);
    this.#incoming.next(call);
  }

  /** @internal The session is gone: what was live fails (this side's own NOT_LOGGEDIN, the others PEER_OFFLINE). */
  reset(): void {
    for (const call of this.#live.values())
      call.update({
        state: CallState.Failed,
        reason: call instanceof OutgoingCall ? CallFailureReason.NotLoggedIn : CallFailureReason.PeerOffline,
      });
    this.#live.clear();
  }

  /** @internal */
  complete(): void {
    this.#incoming.complete();
  }

  #track(id: string, call: Call): void {
    if (call.decided) return;
    this.#live.set(id, call);
    call.status$.subscribe({ complete: () => this.#live.delete(id) });
  }
}

function textProblem(what: string, text: unknown): RtmError | undefined {
  return typeof text !== 'string' || utf8Bytes(text) > CALL_TEXT_BYTES
    ? new RtmError(ErrorCode.InvalidArgument, `${what} must be a string of at most ${CALL_TEXT_BYTES} bytes`)
    : undefined;
}

/** A failed `invite` request: a session that ended or a request that never got through is NOT_LOGGEDIN. */
function failure(error: RtmError): CallStatus {
  const lost: string[] = [ErrorCode.NotLoggedIn, ErrorCode.Canceled, ErrorCode.Timeout];
  return {
    state: CallState.Failed,
    reason: lost.includes(error.code) ? CallFailureReason.NotLoggedIn : CallFailureReason.Unknown,
  };
}

/**
 * The client's call invitations, the same object for the same client. Call it before `login`: invitations that
 * arrive before it are not kept.
 */
export function invitations(client: RtmClient): Invitations {
  return client.part(plugInvitations);
}

/** Made once per client, on its first `invitations(client)`: the frames and replies are known from then on. */
function plugInvitations(session: Session): Invitations {
  addServerFrames(CALL_FRAMES);
  addAnswers(CALL_ANSWERS);
  const calls = new Invitations(session.requests);
  session.plug(calls);
  return calls;
}
