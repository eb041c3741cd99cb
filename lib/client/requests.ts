/**
 * Requests to the server and their replies, across links.
 *
 * Every request frame gets an `id`; its reply (or `fail`) names that id and
 * settles it exactly once. A request stays pending, with the frame to send,
 * until it is settled: it goes out at once on the link that is up, and
 * again on every new link, because a link that dropped may have lost the
 * frame or its reply, and every request is idempotent (docs/PROTOCOL.md),
 * so sending one twice is safe where sending it never is not.
 *
 * A request is an observable: subscribing sends it, the reply is its one
 * value, and unsubscribing before the reply withdraws it (it is not sent
 * again). App requests have a deadline; requests that restore what a new
 * session lost have none, since they are retried on every link until
 * answered and no caller waits on them.
 *
 * Message sends (and whatever else a caller marks `once`) are not idempotent
 * by nature, so they are held to BEHAVIOUR §7 instead: the server answers a repeat of the same id on the same session
 * alike and delivers it once. A send that has not left (been written to a
 * socket) by its deadline rejects TIMEOUT and never goes out; once it has
 * left it has no deadline while the session can resume, and is re-sent
 * only on a resumed session: on a new one, or when the session ends, it
 * rejects TIMEOUT, in doubt (delivered once or not at all).
 */
import { Observable } from './rx.js';
import type { SchedulerLike, Subscription } from 'rxjs';
import { encodeFrame } from '../protocol/encode.js';
import { ErrorCode } from '../protocol/error-code.js';
import type { ClientFrame, ServerFrame } from '../protocol/frames.js';
import { utf8Bytes } from '../protocol/limits.js';
import { MAX_FRAME_BYTES } from '../protocol/vocabulary.js';
import { RtmError } from '../protocol/rtm-error.js';
import type { CALL_ANSWERS } from './call-wire.js';
import type { Writer } from './link.js';
import type { CHANNEL_ATTRIBUTE_ANSWERS } from './channel-attributes.js';

export type RequestFrame = Extract<ClientFrame, { id: number }>;
export type ReplyFrame = Extract<ServerFrame, { id: number }>;
type RequestType = RequestFrame['t'];
/**
 * The replies of requests that belong to features outside the client's
 * entry (BEHAVIOUR §8.4): each feature's table, by type here, by value
 * through {@link addAnswers} when the app first uses the feature.
 */
type FeatureAnswers = typeof CALL_ANSWERS & typeof CHANNEL_ATTRIBUTE_ANSWERS;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A request as its sender builds it; the id is given here. */
export type RequestBody = DistributiveOmit<RequestFrame, 'id'>;

/** The reply each request expects besides `fail`; features add theirs. */
const ANSWER = {
  renew: 'renewed',
  join: 'joined',
  leave: 'done',
  members: 'members',
  attrs: 'done',
  getAttrs: 'attributes',
  query: 'online',
  subscribe: 'done',
  unsubscribe: 'done',
  sendPeer: 'sent',
  sendChannel: 'done',
} as const satisfies Record<Exclude<RequestType, keyof FeatureAnswers>, Exclude<ReplyFrame['t'], 'fail'>>;
type Answers = typeof ANSWER & FeatureAnswers;
export type Reply<T extends RequestType> = Extract<ServerFrame, { t: Answers[T & keyof Answers] }>;

/** A feature's replies, from the first use of the feature on. */
export function addAnswers(answers: Partial<FeatureAnswers>): void {
  Object.assign(ANSWER, answers);
}

export interface RequestOptions {
  /**
   * Restores state the server lost (a rejoin, a resubscription, the
   * attributes written back): it goes out before every app request, whose
   * effects build on it, and waits without a deadline.
   */
  readonly restore?: boolean;
  /**
   * Carried out once per id on a session, so not safe to repeat on a new
   * one: a message send (BEHAVIOUR §7). Once it has left it keeps no
   * deadline, and it rejects TIMEOUT, in doubt, if its session is lost.
   */
  readonly once?: boolean;
}

interface Pending {
  readonly frame: RequestFrame;
  readonly restore: boolean;
  readonly once: boolean;
  /** Written to a socket at least once. */
  left: boolean;
  /** The TIMEOUT to come, for an app request; a send cancels it once it has left. */
  deadline: Subscription | undefined;
  answer(reply: ReplyFrame): void;
  fail(error: RtmError): void;
}

export interface RequestsSettings {
  readonly scheduler: SchedulerLike;
  /** An app request not answered this long after the call rejects TIMEOUT. */
  readonly timeoutMs: number;
  /** The next request id (shared with the client's other requests). */
  readonly nextId: () => number;
  /** True while requests may be made (CONNECTED or RECONNECTING); they wait for a link if there is none. */
  readonly accepting: () => boolean;
}

export class Requests {
  /** By id; insertion order is id order. */
  readonly #pending = new Map<number, Pending>();
  #write: Writer | undefined;

  readonly #settings: RequestsSettings;

  constructor(settings: RequestsSettings) {
    this.#settings = settings;
  }

  /** NOT_LOGGED_IN while requests cannot be made; check it before anything that counts or changes. */
  refusal(): RtmError | undefined {
    return this.#settings.accepting() ? undefined : new RtmError(ErrorCode.NotLoggedIn, 'log in first');
  }

  /** Sends `body` when subscribed; emits its reply and completes, or errors with an {@link RtmError}. */
  request$<B extends RequestBody>(
    body: B,
    { restore = false, once = false }: RequestOptions = {},
  ): Observable<Reply<B['t']>> {
    return new Observable<Reply<B['t']>>((subscriber) => {
      const id = this.#settings.nextId();
      const frame = { ...body, id } as RequestFrame;
      // A frame the server would close the socket for would be resent on every link, forever.
      if (utf8Bytes(encodeFrame(frame)) > MAX_FRAME_BYTES) {
        subscriber.error(new RtmError(ErrorCode.LimitExceeded, `${frame.t} over ${MAX_FRAME_BYTES} bytes`));
        return;
      }
      const { scheduler, timeoutMs } = this.#settings;
      const pending: Pending = {
        frame,
        restore,
        once,
        left: false,
        deadline: restore
          ? undefined
          : scheduler.schedule(() => {
              const what = pending.left ? 'answered' : 'sent';
              subscriber.error(new RtmError(ErrorCode.Timeout, `${frame.t} not ${what} within ${timeoutMs} ms`));
            }, timeoutMs),
        answer: (reply) => {
          subscriber.next(reply as Reply<B['t']>);
          subscriber.complete();
        },
        fail: (error) => subscriber.error(error),
      };
      this.#pending.set(id, pending);
      subscriber.add(pending.deadline);
      this.#transmit(pending);
      return () => this.#pending.delete(id);
    });
  }

  /** A reply came: settles its request, if still pending (a late or repeated reply is dropped). */
  settle(reply: ReplyFrame): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (reply.t === 'fail') pending.fail(new RtmError(reply.code, reply.message));
    else if (reply.t !== (ANSWER as Record<string, string>)[pending.frame.t])
      pending.fail(new RtmError(ErrorCode.ProtocolError, `${pending.frame.t} answered by ${reply.t}`));
    else pending.answer(reply);
  }

  /**
   * A new link is up. `restore` asks, through {@link request$} with
   * `restore`, for what the server lost; then every pending request goes
   * out on `write`: restorations first, then the rest in id order.
   */
  resume(write: Writer, restore: () => void, resumed: boolean): void {
    this.#write = undefined;
    // A send that left on the lost session may have been delivered: going out again could deliver it twice.
    if (!resumed) this.#failSendsLeft();
    restore();
    this.#write = write;
    // A stable sort: restorations first, each part in id order.
    for (const request of [...this.#pending.values()].sort((a, b) => +b.restore - +a.restore)) this.#transmit(request);
  }

  /**
   * The session ended (logout, ABORTED): nothing is sent any more; every
   * pending request rejects CANCELED, but a send that left rejects TIMEOUT
   * (it may have been delivered).
   */
  cancelAll(): void {
    this.#write = undefined;
    this.#failSendsLeft();
    for (const request of [...this.#pending.values()]) {
      request.fail(new RtmError(ErrorCode.Canceled, `${request.frame.t} canceled: the session ended`));
    }
  }

  /** Writes a request on the current link, if any; a send that left keeps no deadline. */
  #transmit(request: Pending): void {
    if (!this.#write?.(request.frame) || request.left) return;
    request.left = true;
    if (request.once) request.deadline?.unsubscribe();
  }

  /** Rejects every send that left TIMEOUT, in doubt: the session it left on is over. */
  #failSendsLeft(): void {
    for (const request of [...this.#pending.values()]) {
      if (request.left && request.once) {
        request.fail(new RtmError(ErrorCode.Timeout, `${request.frame.t} in doubt: the session ended`));
      }
    }
  }
}
