/**
 * The client: commands, link events and timers merged and scanned through
 * the pure {@link transition} into a `BehaviorSubject` of snapshots, whose
 * (state, reason) pairs are what apps observe.
 *
 * Timers are derived from the snapshot rather than started by hand: while
 * the snapshot says CONNECTING there is a login timeout, while it says the
 * link is down there is an interruption deadline, and so on. A timer that is
 * no longer wanted is cancelled by the same `switchMap` that would start the
 * next one, so no timer can outlive the state that asked for it.
 */
import {
  BehaviorSubject,
  distinctUntilChanged,
  EMPTY,
  filter,
  firstValueFrom,
  fromEvent,
  map,
  merge,
  NEVER,
  type Observable,
  observeOn,
  queueScheduler,
  race,
  scan,
  skip,
  Subject,
  switchMap,
  timer,
  type Subscription,
} from 'rxjs';
import { ErrorCode } from '../protocol/error-code.js';
import { Limits, RateLimits } from '../protocol/limits.js';
import { RtmError } from '../protocol/rtm-error.js';
import { Channels } from './channels.js';
import type { ConnectionAction, ConnectionEvent } from './connection-event.js';
import { ConnectionState, type ConnectionChangeReason, type ConnectionStatePair } from './connection-state.js';
import { EventBridge } from './event-bridge.js';
import { EventSequence } from './event-sequence.js';
import { invalidName } from './invalid-name.js';
import { link, type LinkEvent, type LinkFrame, type WebSocketConstructor, type Writer } from './link.js';
import { LocalAttributes, type AttributesMap } from './local-attributes.js';
import { OnlineStatus, type PeersStatus } from './online-status.js';
import { clientSettings, type ClientSettings, type RtmClientOptions } from './options.js';
import { RateWindow } from './rate-window.js';
import { Requests } from './requests.js';
import type { RtmChannel } from './rtm-channel.js';
import { initialSnapshot, transition, type ConnectionSnapshot, type Step } from './transition.js';

/** Handlers for {@link RtmClient.on}, named and shaped as in the original SDK. */
export interface RtmClientEvents {
  /** Every change of state, as {@link RtmClient.connectionState$} emits it after the initial pair. */
  ConnectionStateChanged: (state: ConnectionState, reason: ConnectionChangeReason) => void;
  /** As {@link RtmClient.tokenExpired$}. */
  TokenExpired: () => void;
  /** As {@link RtmClient.tokenPrivilegeWillExpire$}. */
  TokenPrivilegeWillExpire: () => void;
  /** Subscribed peers whose status changed, and only those. */
  PeersOnlineStatusChanged: (status: PeersStatus) => void;
}

interface Pending {
  resolve(): void;
  reject(error: RtmError): void;
}

const LINKED: ReadonlySet<ConnectionState> = new Set([ConnectionState.Connecting, ConnectionState.Connected, ConnectionState.Reconnecting]);

/** A timer the snapshot asks for: `event` at time `at` of the scheduler. */
interface Deadline {
  at: number;
  event: ConnectionEvent;
}

/**
 * A connection to an rx-rtm server for one user at a time, made by
 * `createClient`: its state as an observable, login and logout, channels,
 * user attributes and peers' online status. Nothing connects until
 * {@link login}.
 */
export class RtmClient {
  /** The current (state, reason), replayed to each new subscriber; emits on every change of state. */
  readonly connectionState$: Observable<ConnectionStatePair>;
  /** A reconnect was refused because the token expired; call `renewToken`. Once per token. */
  readonly tokenExpired$: Observable<void>;
  /** The token expires within `tokenWarningMs`; call `renewToken`. Once per token. */
  readonly tokenPrivilegeWillExpire$: Observable<void>;
  /**
   * Subscribed peers whose status changed, only those: the first report
   * after subscribing holds all of them; a repeat reports nothing.
   */
  readonly peersOnlineStatusChanged$: Observable<PeersStatus>;

  private readonly settings: ClientSettings;
  private readonly snapshot$ = new BehaviorSubject<ConnectionSnapshot>(initialSnapshot);
  private readonly pair$: BehaviorSubject<ConnectionStatePair>;
  private readonly commands = new Subject<ConnectionEvent>();
  private readonly tokenExpired = new Subject<void>();
  private readonly tokenWillExpire = new Subject<void>();
  private readonly renewedToken = new Subject<void>();
  private readonly pending = new Map<number, Pending>();
  private readonly events: EventBridge<RtmClientEvents>;
  private readonly running: Subscription;
  private readonly credentialCalls: RateWindow;
  private readonly sequence = new EventSequence();
  private readonly requests: Requests;
  private readonly channels: Channels;
  private readonly onlineStatus: OnlineStatus;
  private readonly attributes: LocalAttributes;
  /** Sends on the socket of the last login; drops frames once that socket is gone. */
  private writer: Writer | undefined;
  private nextRequest = 1;

  constructor(options: RtmClientOptions, platformWebSocket?: WebSocketConstructor) {
    this.settings = clientSettings(options, platformWebSocket);
    this.pair$ = new BehaviorSubject<ConnectionStatePair>({ state: initialSnapshot.state, reason: initialSnapshot.reason });
    this.connectionState$ = this.pair$.asObservable();
    this.tokenExpired$ = this.tokenExpired.asObservable();
    this.tokenPrivilegeWillExpire$ = this.tokenWillExpire.asObservable();
    const { scheduler } = this.settings;
    const now = () => scheduler.now();
    this.credentialCalls = new RateWindow(RateLimits.login, 'logins or token renewals', now);
    this.requests = new Requests({
      scheduler,
      timeoutMs: this.settings.requestTimeoutMs,
      nextId: () => this.nextRequest++,
      accepting: () => this.connectionState.state === ConnectionState.Connected || this.connectionState.state === ConnectionState.Reconnecting,
    });
    this.channels = new Channels(this.requests, () => this.snapshot$.value.credentials?.uid ?? '', now);
    this.onlineStatus = new OnlineStatus(this.requests, now);
    this.attributes = new LocalAttributes(this.requests, now);
    this.peersOnlineStatusChanged$ = this.onlineStatus.changed$;

    const online$ =
      options.networkOnline$ ?? (typeof window === 'undefined' ? NEVER : fromEvent(window, 'online'));
    const wake$ = merge(this.renewedToken, online$);

    // The link runs while the snapshot says a login is live, one per login.
    const link$ = this.snapshot$.pipe(
      map((s) => (LINKED.has(s.state) ? s.epoch : 0)),
      distinctUntilChanged(),
      switchMap((epoch) =>
        epoch === 0
          ? EMPTY
          : link(this.settings, () => this.linkCredentials(), () => this.sequence.lastSeq, wake$).pipe(
              map((event) => this.fromLink(epoch, event)),
              filter((event): event is ConnectionEvent => event !== undefined),
            ),
      ),
    );

    // Every timer of the connection, derived from the snapshot.
    const timers$ = merge(
      this.deadline((s) =>
        s.pendingLogin
          ? { at: s.pendingLogin.since + this.settings.loginTimeoutMs, event: { type: 'LOGIN_TIMED_OUT', epoch: s.epoch } }
          : undefined,
      ),
      this.deadline((s) =>
        s.state === ConnectionState.Connected && s.linkDownSince !== undefined
          ? { at: s.linkDownSince + this.settings.interruptionThresholdMs, event: { type: 'INTERRUPTION_THRESHOLD', epoch: s.epoch } }
          : undefined,
      ),
      this.deadline((s) =>
        s.state === ConnectionState.Connected && s.tokenExpiresAt !== undefined && s.tokenWarnedFor !== s.tokenExpiresAt
          ? { at: s.tokenExpiresAt - this.settings.tokenWarningMs, event: { type: 'TOKEN_WARNING', epoch: s.epoch, tokenExpiresAt: s.tokenExpiresAt } }
          : undefined,
      ),
    );

    this.running = merge(this.commands, link$, timers$)
      .pipe(
        // Trampoline: an event raised while another is being handled waits its turn.
        observeOn(queueScheduler),
        scan((step: Step, event: ConnectionEvent) => transition(step.snapshot, event), { snapshot: initialSnapshot, actions: [] }),
      )
      .subscribe((step) => {
        for (const action of step.actions) this.run(action);
        const { state, reason } = step.snapshot;
        if (state !== this.snapshot$.value.state && !LINKED.has(state)) this.forgetSession();
        this.snapshot$.next(step.snapshot);
        if (state !== this.pair$.value.state) this.pair$.next({ state, reason });
      });

    this.events = new EventBridge<RtmClientEvents>({
      ConnectionStateChanged: this.pair$.pipe(
        skip(1),
        map(({ state, reason }): [ConnectionState, ConnectionChangeReason] => [state, reason]),
      ),
      TokenExpired: this.tokenExpired.pipe(map((): [] => [])),
      TokenPrivilegeWillExpire: this.tokenWillExpire.pipe(map((): [] => [])),
      PeersOnlineStatusChanged: this.onlineStatus.changed$.pipe(map((status): [PeersStatus] => [status])),
    });
  }

  /** The current (state, reason). */
  get connectionState(): ConnectionStatePair {
    return this.pair$.value;
  }

  /**
   * Logs in (SPEC §2): resolves on CONNECTED / LOGIN_SUCCESS; rejects with
   * an {@link RtmError} whose code says why, having changed nothing if the
   * arguments were bad or the client was not DISCONNECTED.
   */
  login({ uid, token }: { uid: string; token: string }): Promise<void> {
    const invalid = this.credentialProblem(token) ?? invalidName('app id', this.settings.appId, ErrorCode.InvalidAppId) ?? invalidName('uid', uid);
    if (invalid) return Promise.reject(invalid);
    if (this.connectionState.state !== ConnectionState.Disconnected) {
      return Promise.reject(new RtmError(ErrorCode.AlreadyLogin, `login while ${this.connectionState.state}`));
    }
    const limited = this.credentialCalls.take();
    if (limited) return Promise.reject(limited);
    return this.request((request) => ({ type: 'LOGIN', request, uid, token, at: this.settings.scheduler.now() }));
  }

  /** Logs out from any state, promptly even on a dead link; resolves once DISCONNECTED. */
  logout(): Promise<void> {
    return this.request((request) => ({ type: 'LOGOUT', request }));
  }

  /**
   * Replaces the token. Connected on a live link, the server checks it
   * first and the promise says what it answered (TIMEOUT if nothing);
   * otherwise, or if the link drops before the answer, it is kept for the
   * next attempt, which starts at once.
   */
  async renewToken(token: string): Promise<void> {
    const invalid = this.credentialProblem(token);
    if (invalid) throw invalid;
    const { state } = this.connectionState;
    if (state === ConnectionState.Disconnected || state === ConnectionState.Aborted) {
      throw new RtmError(ErrorCode.NotLoggedIn, `renewToken while ${state}`);
    }
    const limited = this.credentialCalls.take();
    if (limited) throw limited;
    const linkLost = (s: ConnectionSnapshot) => s.state !== ConnectionState.Connected || s.linkDownSince !== undefined;
    const reply = linkLost(this.snapshot$.value)
      ? undefined
      : await firstValueFrom(
          race(
            this.requests.request$({ t: 'renew', token }),
            // Losing the race withdraws the request: the next attempt logs in with the token instead.
            this.snapshot$.pipe(filter(linkLost), map(() => undefined)),
          ),
        );
    const tokenExpiresAt = reply ? this.settings.scheduler.now() + reply.tokenExpiresInMs : undefined;
    this.commands.next({ type: 'TOKEN_RENEWED', token, tokenExpiresAt });
    if (!reply) this.renewedToken.next();
  }

  /**
   * The channel of that id, the same instance for the same id; nothing is
   * sent until `join`. Throws INVALID_ARGUMENT for an id that breaks the
   * name rule (1 to 64 bytes of letters, digits, space and
   * ``!#$%&()+-:;<=.>?@[]^_{}|~,``, not `null`).
   */
  createChannel(channelId: string): RtmChannel {
    return this.channels.channel(channelId);
  }

  /**
   * Replaces all of this user's attributes. Rejects INVALID_ARGUMENT for a
   * key not of 1 to 32 bytes, a value not a string or a pair over 8 KB;
   * LIMIT_EXCEEDED past 32 pairs or 16 KB; TOO_OFTEN past 10 writes in 5 s.
   * The local copy (written back after a new session) changes once the
   * server confirmed.
   */
  setLocalUserAttributes(attributes: AttributesMap): Promise<void> {
    return this.attributes.set(attributes);
  }

  /** Adds or updates these attributes, keeping the others; the limits of {@link setLocalUserAttributes} apply to the result. */
  addOrUpdateLocalUserAttributes(attributes: AttributesMap): Promise<void> {
    return this.attributes.merge(attributes);
  }

  /** Deletes these of this user's attributes, keeping the others. */
  deleteLocalUserAttributesByKeys(keys: string[]): Promise<void> {
    return this.attributes.delete(keys);
  }

  /** Deletes all of this user's attributes. */
  clearLocalUserAttributes(): Promise<void> {
    return this.attributes.clear();
  }

  /** A user's attributes (none for a user offline). TOO_OFTEN past 40 reads in 5 s. */
  getUserAttributes(uid: string): Promise<AttributesMap> {
    return this.attributes.read(uid);
  }

  /** A user's attributes of these keys, those it has. */
  getUserAttributesByKeys(uid: string, keys: string[]): Promise<AttributesMap> {
    return this.attributes.read(uid, keys);
  }

  /** Which peers are online (UNREACHABLE counts as online). At most 512 uids a call; TOO_OFTEN past 10 queries in 5 s. */
  queryPeersOnlineStatus(uids: string[]): Promise<Record<string, boolean>> {
    return this.onlineStatus.query(uids);
  }

  /**
   * Reports these peers' status on {@link peersOnlineStatusChanged$} from
   * now on, their current status first; kept across reconnects. At most
   * 512 peers in all (LIMIT_EXCEEDED).
   */
  subscribePeersOnlineStatus(uids: string[]): Promise<void> {
    return this.onlineStatus.subscribe(uids);
  }

  /** Stops reporting these peers, at once. */
  unsubscribePeersOnlineStatus(uids: string[]): Promise<void> {
    return this.onlineStatus.unsubscribe(uids);
  }

  /** Adds a handler in the original SDK's event style; the observables above are the same events. */
  on<K extends keyof RtmClientEvents>(name: K, handler: RtmClientEvents[K]): this {
    this.events.on(name, handler);
    return this;
  }

  /** Removes a handler added with {@link on}. */
  off<K extends keyof RtmClientEvents>(name: K, handler: RtmClientEvents[K]): this {
    this.events.off(name, handler);
    return this;
  }

  /**
   * Logs out and stops for good: streams complete, handlers are dropped.
   * For components that own a client (an Angular service's `ngOnDestroy`).
   */
  async destroy(): Promise<void> {
    await this.logout();
    this.running.unsubscribe();
    this.events.clear();
    for (const subject of [this.pair$, this.tokenExpired, this.tokenWillExpire, this.snapshot$]) subject.complete();
    this.channels.complete();
    this.onlineStatus.complete();
  }

  /** Emits the planned event when its time comes; a new plan (or none) cancels the old one. */
  private deadline(plan: (s: ConnectionSnapshot) => Deadline | undefined): Observable<ConnectionEvent> {
    const { scheduler } = this.settings;
    return this.snapshot$.pipe(
      map(plan),
      distinctUntilChanged((a, b) => a?.at === b?.at && a?.event.type === b?.event.type),
      switchMap((d) => (d ? timer(Math.max(0, d.at - scheduler.now()), scheduler).pipe(map(() => d.event)) : EMPTY)),
    );
  }

  private fromLink(epoch: number, event: LinkEvent): ConnectionEvent | undefined {
    switch (event.type) {
      case 'UP':
        this.linkUp(event);
        return { type: 'LINK_UP', epoch, session: event.session, resumed: event.resumed, tokenExpiresAt: event.tokenExpiresAt };
      case 'DOWN':
        return { type: 'LINK_DOWN', epoch, since: event.since };
      case 'RESTORED':
        return { type: 'LINK_RESTORED', epoch };
      case 'REFUSED':
        return { type: 'LOGIN_REFUSED', epoch, code: event.code };
      case 'KICKED':
        return { type: 'KICKED', epoch, reason: event.reason };
      case 'FRAME':
        this.received(event.frame);
        return undefined;
    }
  }

  /**
   * A new link (SPEC §4). Resumed without a gap, the server kept
   * everything and replays the events missed. Resumed with a gap, events
   * were lost: channels and subscriptions are asked for again and compared.
   * A new session lost everything: the same, and the attributes are
   * written back. Then every pending request goes out again.
   */
  private linkUp({ resumed, gap, write }: Extract<LinkEvent, { type: 'UP' }>): void {
    this.writer = write;
    if (!resumed) this.sequence.reset();
    this.requests.resume(write, () => {
      if (resumed && !gap) return;
      this.channels.restore();
      this.onlineStatus.restore();
      if (!resumed) this.attributes.restore();
    });
  }

  private received(frame: LinkFrame): void {
    switch (frame.t) {
      case 'member':
        if (this.sequence.accept(frame.seq)) this.channels.memberEvent(frame.channel, frame.uid, frame.joined, frame.count);
        return;
      case 'status':
        if (this.sequence.accept(frame.seq)) this.onlineStatus.statusEvent(frame.statuses);
        return;
      case 'error':
        return; // A frame of ours refused outside any request: nothing waits for it.
      default:
        this.requests.settle(frame);
    }
  }

  /** Logged out or ABORTED: a new login starts with no channel, subscription, attribute or pending request. */
  private forgetSession(): void {
    this.writer = undefined;
    this.requests.cancelAll();
    this.channels.reset();
    this.onlineStatus.reset();
    this.attributes.reset();
    this.sequence.reset();
  }

  private linkCredentials() {
    const { credentials, session } = this.snapshot$.value;
    return { uid: credentials?.uid ?? '', token: credentials?.token ?? '', session };
  }

  private run(action: ConnectionAction): void {
    switch (action.type) {
      case 'SETTLE': {
        const pending = this.pending.get(action.request);
        this.pending.delete(action.request);
        if (action.error) pending?.reject(new RtmError(action.error));
        else pending?.resolve();
        return;
      }
      case 'SEND_LOGOUT':
        this.writer?.({ t: 'logout' });
        return;
      case 'EMIT_TOKEN_EXPIRED':
        this.tokenExpired.next();
        return;
      case 'EMIT_TOKEN_WILL_EXPIRE':
        this.tokenWillExpire.next();
        return;
    }
  }

  private request(command: (request: number) => ConnectionEvent): Promise<void> {
    const request = this.nextRequest++;
    const settled = new Promise<void>((resolve, reject) => this.pending.set(request, { resolve, reject }));
    this.commands.next(command(request));
    return settled;
  }

  private credentialProblem(token: unknown): RtmError | undefined {
    if (typeof token !== 'string' || token.length === 0 || token.length > Limits.tokenChars) {
      return new RtmError(ErrorCode.InvalidArgument, `token must be a non-empty string of at most ${Limits.tokenChars} characters`);
    }
    return undefined;
  }

}
