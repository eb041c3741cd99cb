/**
 * What a login builds up with the server, and the effects of
 * {@link ConnectionAction}s on it: the requests in flight, the channels,
 * peer subscriptions and attributes to restore on a new link, the events
 * already seen, and the socket to write on. The transition decides when a
 * link is taken or the session forgotten; this carries it out.
 */
import type { SchedulerLike } from 'rxjs';
import { Channels } from './channels.js';
import type { ConnectionAction } from './connection-event.js';
import type { LinkFrame, Writer } from './link.js';
import { LocalAttributes } from './local-attributes.js';
import { Messages } from './messages.js';
import { OnlineStatus } from './online-status.js';
import { Requests } from './requests.js';

type EventFrame = Extract<LinkFrame, { seq: number }>;
const isEvent = (frame: LinkFrame): frame is EventFrame => 'seq' in frame;

/**
 * A part of the client outside its entry (BEHAVIOUR §8.2), plugged into a
 * session when the app first uses it: it gets its own event frames, each
 * once and in order, and hears when the session ends.
 */
export interface SessionPlug {
  /** The event frames it takes. */
  readonly events: readonly EventFrame['t'][];
  event(frame: EventFrame): void;
  /** The session is gone (a new one, a logout): what was live in it is over. */
  reset(): void;
  /** The client is destroyed. */
  complete(): void;
}

export interface SessionSettings {
  readonly scheduler: SchedulerLike;
  readonly requestTimeoutMs: number;
  /** The next request id (shared with the client's other requests). */
  readonly nextId: () => number;
  /** True while requests may be made (CONNECTED or RECONNECTING). */
  readonly accepting: () => boolean;
  /** The uid logged in, or '' before any login. */
  readonly self: () => string;
}

export class Session {
  readonly requests: Requests;
  readonly channels: Channels;
  readonly onlineStatus: OnlineStatus;
  readonly attributes: LocalAttributes;
  readonly messages: Messages;
  /**
   * The last event seen. The server numbers a session's events from 1 and on a resume replays those after
   * the `seq` the client says it saw, so an event can arrive twice: the second copy must change nothing.
   */
  #lastSeq = 0;
  /** The client's clock (its scheduler's), for the parts' rate windows. */
  readonly now: () => number;
  readonly #plugs: SessionPlug[] = [];
  /** Sends on the socket of the last login; drops frames once that socket is gone. */
  #writer: Writer | undefined;

  constructor({ scheduler, requestTimeoutMs, nextId, accepting, self }: SessionSettings) {
    const now = (this.now = () => scheduler.now());
    this.requests = new Requests({ scheduler, timeoutMs: requestTimeoutMs, nextId, accepting });
    this.messages = new Messages(this.requests, now);
    this.channels = new Channels(this.requests, this.messages, self, now);
    this.onlineStatus = new OnlineStatus(this.requests, now);
    this.attributes = new LocalAttributes(this.requests, now);
  }

  /** The last event seen; logins that resume and every ping carry it. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * A new link (BEHAVIOUR §4). Resumed without a gap, the server kept
   * everything and replays the events missed. Resumed with a gap, events
   * were lost: channels and subscriptions are asked for again and compared.
   * A new session lost everything: the same, and the attributes are
   * written back. Then every pending request goes out again (but a
   * message send that left on a lost session, which is in doubt).
   */
  resume({ write, resumed, gap }: Extract<ConnectionAction, { type: 'RESUME_SESSION' }>): void {
    this.#writer = write;
    if (!resumed) this.#reset();
    this.requests.resume(
      write,
      () => {
        if (resumed && !gap) return;
        this.channels.restore();
        this.onlineStatus.restore();
        if (!resumed) this.attributes.restore();
      },
      resumed,
    );
  }

  /** Logged out or ABORTED: a new login starts with no channel, subscription, attribute or pending request. */
  forget(): void {
    this.#writer = undefined;
    this.requests.cancelAll();
    this.channels.reset();
    this.onlineStatus.reset();
    this.attributes.reset();
    this.#reset();
  }

  /** Plugs in a part of the client (see {@link SessionPlug}). */
  plug(plug: SessionPlug): void {
    this.#plugs.push(plug);
  }

  /** Tells the server the session ends, if a socket is open. */
  sendLogout(): void {
    this.#writer?.({ t: 'logout' });
  }

  /** A frame the link passed on: an event (each once, in order) or a reply. */
  received(frame: LinkFrame): void {
    if (!isEvent(frame)) {
      // An `error` is a frame of ours refused outside any request: nothing waits for it.
      if (frame.t !== 'error') this.requests.settle(frame);
      return;
    }
    if (frame.seq <= this.#lastSeq) return;
    this.#lastSeq = frame.seq;
    const event: EventFrame = frame;
    switch (frame.t) {
      case 'member':
        return this.channels.memberEvent(frame);
      case 'status':
        return this.onlineStatus.statusEvent(frame.statuses);
      case 'peerMessage':
        return this.messages.peerEvent(frame);
      case 'channelMessage':
        return this.channels.messageEvent(frame);
      default:
        for (const plug of this.#plugs) if (plug.events.includes(event.t)) plug.event(event);
    }
  }

  /** The client is destroyed: channel and status streams complete. */
  complete(): void {
    this.channels.complete();
    this.onlineStatus.complete();
    this.messages.complete();
    for (const plug of this.#plugs) plug.complete();
  }

  #reset(): void {
    this.#lastSeq = 0;
    for (const plug of this.#plugs) plug.reset();
  }
}
