/**
 * Sending messages (BEHAVIOUR §7), peer and channel alike: the checks a send
 * passes before it becomes a request (the message, the login, the 180 in
 * 3 s shared by peer and channel messages), and the peer messages that
 * arrive. Every failure is a rejected promise, never a throw.
 */
import { Subject, firstValueFrom } from './rx.js';
import type { Observable } from 'rxjs';
import { RateLimits } from '../protocol/limits.js';
import { RtmError } from '../protocol/rtm-error.js';
import type { WireMessage } from '../protocol/wire-message.js';
import type { LinkFrame } from './link.js';
import { rateWindow, type RateWindow } from './rate-window.js';
import type { Reply, RequestBody, Requests } from './requests.js';
import { fromWireMessage, toWireMessage, type RtmMessage } from './rtm-message.js';

/** A message from another user, as {@link RtmClient.messageFromPeer$} emits it. */
export interface PeerMessage {
  readonly message: RtmMessage;
  readonly peerId: string;
  /** The server's wall-clock ms when it accepted the message (also for an offline one). */
  readonly serverReceivedTs: number;
  /** Kept by the server while this user was logged out, and delivered at this login. */
  readonly isOfflineMessage: boolean;
}

type SendType = 'sendPeer' | 'sendChannel';

export class Messages {
  /** Peer messages, each once, in the order each sender sent them. */
  readonly fromPeer$: Observable<PeerMessage>;
  readonly #fromPeer = new Subject<PeerMessage>();
  readonly #countMessage: RateWindow;

  readonly #requests: Requests;

  constructor(requests: Requests, now: () => number) {
    this.#requests = requests;
    this.fromPeer$ = this.#fromPeer.asObservable();
    this.#countMessage = rateWindow(RateLimits.messages, 'messages', now);
  }

  /**
   * Sends `message` as the request `body` builds once every check passed:
   * the message itself (INVALID_ARGUMENT, LIMIT_EXCEEDED), the login
   * (NOT_LOGGED_IN), `refusal` (a bad peer id, a channel not joined), and
   * the rate (TOO_OFTEN); a refused send is not counted.
   */
  async send<T extends SendType>(
    message: unknown,
    body: (wire: WireMessage) => Extract<RequestBody, { t: T }>,
    refusal: () => RtmError | undefined,
  ): Promise<Reply<T>> {
    const wire = toWireMessage(message);
    if (wire instanceof RtmError) throw wire;
    const refused = this.#requests.refusal() ?? refusal() ?? this.#countMessage();
    if (refused) throw refused;
    return firstValueFrom(this.#requests.request$(body(wire), { once: true })) as Promise<Reply<T>>;
  }

  /** A `peerMessage` event (seen once, in order). */
  peerEvent(frame: Extract<LinkFrame, { t: 'peerMessage' }>): void {
    const message = fromWireMessage(frame);
    if (!message) return;
    this.#fromPeer.next({
      message,
      peerId: frame.from,
      serverReceivedTs: frame.ts,
      isOfflineMessage: frame.offline === true,
    });
  }

  complete(): void {
    this.#fromPeer.complete();
  }
}
