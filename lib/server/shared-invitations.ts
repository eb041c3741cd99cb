/**
 * Call invitations across the nodes of a cluster (BEHAVIOUR §7.5): the
 * invitation desk over the store's shared records (lib/store/call-store.ts)
 * instead of this node's memory, so caller and callee may be on any nodes
 * and move between them within their grace. Each event of an invitation runs
 * through the same pure transition as on one node (invitation-life.ts); the
 * store writes its outcome only if nobody wrote first, else this node reads
 * what was decided and runs the event again on that, so every invitation is
 * decided once for all nodes. The parties hear of it as session events
 * carried by the store to whichever node holds them.
 */
import { randomBytes } from 'node:crypto';
import { encodeEventBody } from '../protocol/encode.js';
import { ErrorCode } from '../protocol/error-code.js';
import type { ReplyFrame } from '../protocol/frames.js';
import { refusal, type Refusal } from '../protocol/refusal.js';
import { CallState } from '../protocol/call-vocabulary.js';
import type { CallRecord, CallStore } from '../store/call-store.js';
import { StoreRefusals } from '../store/presence-store.js';
import type { InvitationTimes } from './invitation-desk.js';
import { callDecided, callTransition, CallParty, type CallEvent, type CallStatus } from './invitation-life.js';
import type { CallRequest } from './invitation-requests.js';

/** The acting session, as the desk needs it. */
export interface SharedCaller {
  readonly appId: string;
  readonly id: string;
  readonly uid: string;
}

/** How often the store is asked for invitations past their deadline. */
const DUE_EVERY_MS = 500;

const unknownCall = refusal(ErrorCode.InvalidArgument, 'no such call invitation');

export class SharedInvitations {
  #looking = false;
  #lookedAt = -Infinity;

  constructor(
    private readonly calls: CallStore,
    private readonly times: InvitationTimes,
    private readonly report: (work: Promise<unknown>) => void,
  ) {}

  /** Carries out a checked call request. */
  async request(session: SharedCaller, frame: CallRequest): Promise<ReplyFrame | Refusal> {
    const { appId } = session;
    if (frame.t === 'invite') {
      const call = `c${randomBytes(9).toString('base64url')}`;
      const { to, content, channel } = frame;
      const result = await this.calls.invite(appId, {
        uid: session.uid,
        session: session.id,
        id: frame.id,
        call,
        to,
        body: encodeEventBody({ t: 'invitation', call, from: session.uid, content, channel }),
        ackMs: this.times.ackMs,
        keepMs: 2 * this.times.expireMs,
      });
      if (result.outcome === 'gone') return StoreRefusals.sessionOver;
      return reply(frame.id, result.record.id, result.record.status);
    }
    const record = await this.calls.read(appId, frame.call);
    const mine = frame.t === 'callCancel' ? record?.callerSession : record?.calleeSession;
    if (!record || mine !== session.id) return unknownCall;
    const event: CallEvent =
      frame.t === 'callCancel'
        ? { type: 'CANCEL' }
        : { type: frame.accept ? 'ACCEPT' : 'REFUSE', response: frame.response };
    const status = await this.#decide(appId, record, event);
    return status ? reply(frame.id, record.id, status) : unknownCall;
  }

  /** The callee's client got invitation `call` (its session was attached when the news came). */
  delivered(appId: string, call: string): void {
    this.report(this.#on(appId, call, () => ({ type: 'DELIVERED' })));
  }

  /** A socket took up session `session` (a login, a resume here): it got what was sent to it meanwhile. */
  attached(appId: string, session: string): void {
    this.#ofSession(appId, session, (record) =>
      record.calleeSession === session && record.status.state === CallState.Sent ? { type: 'DELIVERED' } : undefined,
    );
  }

  /** Session `session` ended, on any node: its live invitations fail for the other side. */
  ended(appId: string, session: string): void {
    this.#ofSession(appId, session, (record) => ({
      type: record.callerSession === session ? 'CALLER_GONE' : 'CALLEE_GONE',
    }));
  }

  /** Moves invitations past a deadline (every node looks; each is decided once): not received, expired. */
  tick(now: number): void {
    if (this.#looking || now - this.#lookedAt < DUE_EVERY_MS) return;
    this.#looking = true;
    this.#lookedAt = now;
    this.report(this.#sweep().finally(() => (this.#looking = false)));
  }

  async #sweep(): Promise<void> {
    const { now, calls } = await this.calls.due();
    await Promise.all(
      calls.map(({ appId, call }) =>
        // Still SENT: the callee's client got it neither when it was sent nor on a login since.
        this.#on(appId, call, (record) =>
          now - record.sentAt >= this.times.expireMs
            ? { type: 'EXPIRED' }
            : record.status.state === CallState.Sent
              ? { type: 'NO_ACK' }
              : undefined,
        ),
      ),
    );
  }

  #ofSession(appId: string, session: string, what: (record: CallRecord) => CallEvent | undefined): void {
    this.report(
      this.calls
        .ofSession(appId, session)
        .then((calls) => Promise.all(calls.map((call) => this.#on(appId, call, what)))),
    );
  }

  /** Runs the event `what` makes of invitation `call` as stored now, if there is one. */
  async #on(appId: string, call: string, what: (record: CallRecord) => CallEvent | undefined): Promise<void> {
    const record = await this.calls.read(appId, call);
    if (!record || callDecided(record.status)) return;
    const event = what(record);
    if (event) await this.#decide(appId, record, event);
  }

  /** The invitation's status once `event` ran on it as stored now; undefined if it is gone. */
  async #decide(appId: string, first: CallRecord, event: CallEvent): Promise<CallStatus | undefined> {
    const { ackMs, expireMs } = this.times;
    for (let record: CallRecord | undefined = first; record;) {
      const { status, tell } = callTransition(record.status, event);
      if (status === record.status) return status;
      const result = await this.calls.step(appId, record.id, record.version, {
        status,
        tell: tell
          .map((party) => (party === CallParty.Caller ? record!.callerSession : record!.calleeSession))
          .filter((session) => session !== ''),
        body: encodeEventBody({ t: 'callState', call: record.id, ...status }),
        deadline: callDecided(status)
          ? undefined
          : record.sentAt + (status.state === CallState.Sent ? ackMs : expireMs),
        keepMs: expireMs,
      });
      if (result.ok) return status;
      record = result.record;
    }
    return undefined;
  }
}

function reply(id: number, call: string, status: CallStatus): ReplyFrame {
  return { t: 'call', id, call, ...status };
}
