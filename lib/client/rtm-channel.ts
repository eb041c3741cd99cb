/**
 * A channel of the client: join it, leave it, ask who is in it, and watch
 * members come and go.
 *
 * Events come from the {@link MemberPicture}, so they alternate per member
 * and say exactly what changed, also across reconnects: when the server
 * lost the session (or some of its events), the client joins again and
 * emits the difference between what the app was told and the server's
 * member list. A join after the app's own leave or logout does the same
 * (BEHAVIOUR §4.4).
 */
import type { Observable, Subscription } from 'rxjs';
import { firstValueFrom, map, skip, Subject, tap } from './rx.js';
import { ErrorCode } from '../protocol/error-code.js';
import { RtmError } from '../protocol/rtm-error.js';
import { EventBridge } from './event-bridge.js';
import { MemberPicture } from './member-picture.js';
import type { LinkFrame } from './link.js';
import type { Messages } from './messages.js';
import type { Requests } from './requests.js';
import { fromWireMessage, type OutgoingMessage, type RtmMessage } from './rtm-message.js';

/** Handlers for {@link RtmChannel.on}, named and shaped as in the original SDK. */
export interface RtmChannelEvents {
  /** As {@link RtmChannel.memberJoined$}. */
  MemberJoined: (memberId: string) => void;
  /** As {@link RtmChannel.memberLeft$}. */
  MemberLeft: (memberId: string) => void;
  /** Every change of {@link RtmChannel.memberCount$} after the current count. */
  MemberCountUpdated: (memberCount: number) => void;
  /** As {@link RtmChannel.message$}. */
  ChannelMessage: (message: RtmMessage, memberId: string, properties: { serverReceivedTs: number }) => void;
}

/** A message from another member, as {@link RtmChannel.message$} emits it. */
export interface ChannelMessage {
  readonly message: RtmMessage;
  readonly memberId: string;
  /** The server's wall-clock ms when it accepted the message. */
  readonly serverReceivedTs: number;
}

/** What a channel needs from its client. */
export interface ChannelHost {
  readonly requests: Requests;
  readonly messages: Messages;
  /** The logged-in uid, which the server lists among the members and the picture leaves out. */
  self(): string;
  /** Refuses a join past the joined-channel limit or the join rate; counts it otherwise. */
  admitJoin(): RtmError | undefined;
  /** Refuses a member query past its rate; counts it otherwise. */
  admitGetMembers(): RtmError | undefined;
}

type Phase = 'left' | 'joining' | 'joined';

/**
 * A channel of the client, made by `RtmClient.createChannel`: join it,
 * leave it, ask who is in it, and watch members come and go, also across
 * reconnects and the app's own leave or logout (the next join emits
 * exactly the difference from what the app was shown, BEHAVIOUR §4.4).
 */
export class RtmChannel {
  /** Uids joining the channel after this client did; each alternates with {@link memberLeft$}. */
  readonly memberJoined$: Observable<string>;
  /** Uids leaving the channel (or timing out of it, 30 s after their link dropped). */
  readonly memberLeft$: Observable<string>;
  /**
   * The member count, this client included, replayed to each new
   * subscriber and emitted when it changes; 0 while not joined. Leaving,
   * logging out and an ABORTED client set it to 0 without a `MemberLeft`
   * for each member: they did not leave, this client did. The next join
   * emits the net difference from what the app was shown (BEHAVIOUR §4.4).
   */
  readonly memberCount$: Observable<number>;
  /**
   * The other members as this client's events describe them, sorted,
   * replayed to each new subscriber: the first join's member list, then
   * every `MemberJoined` and `MemberLeft` applied. Once things are quiet it
   * equals `getMembers()` without this client's own uid. Empty unless
   * joined.
   */
  readonly members$: Observable<readonly string[]>;
  /**
   * Messages of the other members while this client is joined, each once,
   * in the order each sender sent them (also across reconnects within the
   * grace); never this client's own.
   */
  readonly message$: Observable<ChannelMessage>;

  readonly #messages = new Subject<ChannelMessage>();
  readonly #picture = new MemberPicture();
  readonly #events: EventBridge<RtmChannelEvents>;
  #phase: Phase = 'left';
  /** The join in flight, read while {@link phase} is joining. */
  #joining: Promise<void> = Promise.resolve();
  /** Bumped by every join, leave and reset, so that a reply to an older one changes nothing. */
  #generation = 0;
  #rejoin: Subscription | undefined;

  readonly #host: ChannelHost;

  /** @internal Made by `RtmClient.createChannel`, once per channel id. */
  constructor(
    readonly channelId: string,
    host: ChannelHost,
  ) {
    this.#host = host;
    this.memberJoined$ = this.#picture.memberJoined$;
    this.memberLeft$ = this.#picture.memberLeft$;
    this.memberCount$ = this.#picture.memberCount$;
    this.members$ = this.#picture.others$;
    this.message$ = this.#messages.asObservable();
    this.#events = new EventBridge<RtmChannelEvents>({
      MemberJoined: this.memberJoined$.pipe(map((uid): [string] => [uid])),
      MemberLeft: this.memberLeft$.pipe(map((uid): [string] => [uid])),
      MemberCountUpdated: this.memberCount$.pipe(
        skip(1),
        map((count): [number] => [count]),
      ),
      ChannelMessage: this.message$.pipe(
        map(({ message, memberId, serverReceivedTs }): Parameters<RtmChannelEvents['ChannelMessage']> => [
          message,
          memberId,
          { serverReceivedTs },
        ]),
      ),
    });
  }

  /**
   * Joins; resolves once the server listed the members (then
   * `memberCount$` has the count). Joined already, resolves at once; while
   * a join is in flight, answers as that one does. Rejects NOT_LOGGED_IN,
   * LIMIT_EXCEEDED (20 channels joined or joining), TOO_OFTEN (50 joins in
   * 3 s), TIMEOUT, CANCELED (left or logged out before the answer), or the
   * server's code.
   */
  async join(): Promise<void> {
    if (this.#phase === 'joined') return Promise.resolve();
    if (this.#phase === 'joining') return this.#joining;
    const refused = this.#host.requests.refusal() ?? this.#host.admitJoin();
    if (refused) throw refused;
    const generation = ++this.#generation;
    const current = () => generation === this.#generation;
    this.#phase = 'joining';
    this.#joining = firstValueFrom(
      this.#host.requests.request$({ t: 'join', channel: this.channelId }).pipe(
        map(({ members }) => {
          if (!current()) throw new RtmError(ErrorCode.Canceled, `left ${this.channelId} before the join completed`);
          this.#phase = 'joined';
          this.#picture.list(members, this.#host.self());
        }),
        tap({
          error: () => {
            if (current()) this.#phase = 'left';
          },
        }),
      ),
    );
    return this.#joining;
  }

  /**
   * Leaves at once: no more member events, count 0; resolves when the
   * server confirms. Peers see `MemberLeft` at once. Leaving a channel not
   * joined asks the server anyway (it changes nothing there), so a join
   * whose answer was lost is undone too.
   */
  async leave(): Promise<void> {
    const refused = this.#host.requests.refusal();
    if (refused) throw refused;
    this.reset();
    return firstValueFrom(
      this.#host.requests.request$({ t: 'leave', channel: this.channelId }).pipe(map(() => undefined)),
    );
  }

  /** The members' uids, this client's included. Rejects NOT_JOINED unless joined, TOO_OFTEN past 5 calls in 2 s. */
  async getMembers(): Promise<string[]> {
    const refused =
      this.#host.requests.refusal() ??
      (this.#phase === 'joined'
        ? undefined
        : new RtmError(ErrorCode.NotJoined, `channel ${this.channelId} is not joined`)) ??
      this.#host.admitGetMembers();
    if (refused) throw refused;
    return firstValueFrom(
      this.#host.requests.request$({ t: 'members', channel: this.channelId }).pipe(map(({ members }) => members)),
    );
  }

  /**
   * Sends a message to the other members; resolves once the server
   * accepted it (every other member then gets it, one inside its grace on
   * its return). Never throws; rejects INVALID_ARGUMENT (a bad message),
   * LIMIT_EXCEEDED (over 32 KB), NOT_LOGGED_IN, NOT_JOINED, TOO_OFTEN (over
   * 180 messages, peer and channel, in 3 s), or TIMEOUT (see
   * `RtmClient.sendMessageToPeer` for when a send is in doubt).
   */
  sendMessage(message: OutgoingMessage): Promise<void> {
    return this.#host.messages
      .send(
        message,
        (wire) => ({ t: 'sendChannel', channel: this.channelId, ...wire }),
        () =>
          this.#phase === 'joined'
            ? undefined
            : new RtmError(ErrorCode.NotJoined, `channel ${this.channelId} is not joined`),
      )
      .then(() => undefined);
  }

  /** Adds a handler in the original SDK's event style; the observables above are the same events. */
  on<K extends keyof RtmChannelEvents>(name: K, handler: RtmChannelEvents[K]): this {
    this.#events.on(name, handler);
    return this;
  }

  /** Removes a handler added with {@link on}. */
  off<K extends keyof RtmChannelEvents>(name: K, handler: RtmChannelEvents[K]): this {
    this.#events.off(name, handler);
    return this;
  }

  /** @internal Joined or joining: holds one of the 20 channel slots. */
  get holdsSlot(): boolean {
    return this.#phase !== 'left';
  }

  /** @internal A member event for this channel; ignored unless joined. */
  memberEvent(uid: string, joined: boolean, count: number): void {
    if (this.#phase === 'joined') this.#picture.apply(uid, joined, count);
  }

  /** @internal A message of another member; ignored unless joined. */
  messageEvent(frame: Extract<LinkFrame, { t: 'channelMessage' }>): void {
    const message = fromWireMessage(frame);
    if (this.#phase === 'joined' && message) {
      this.#messages.next({ message, memberId: frame.from, serverReceivedTs: frame.ts });
    }
  }

  /**
   * @internal The server lost this channel's state or some of its events:
   * join again and emit the difference. If the server refuses, the channel
   * is no longer joined.
   */
  restore(): void {
    if (this.#phase !== 'joined') return;
    this.#rejoin?.unsubscribe();
    const generation = this.#generation;
    const current = () => generation === this.#generation;
    this.#rejoin = this.#host.requests.request$({ t: 'join', channel: this.channelId }, { restore: true }).subscribe({
      next: ({ members }) => {
        if (current()) this.#picture.list(members, this.#host.self());
      },
      error: () => {
        if (current()) this.reset();
      },
    });
  }

  /** @internal Not joined any more, quietly (left, logged out, ABORTED). */
  reset(): void {
    this.#generation++;
    this.#phase = 'left';
    this.#rejoin?.unsubscribe();
    this.#picture.hide();
  }

  /** @internal The client is destroyed. */
  complete(): void {
    this.#events.clear();
    this.#picture.complete();
    this.#messages.complete();
  }
}
