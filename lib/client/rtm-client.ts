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
  fromEvent,
  map,
  merge,
  NEVER,
  type Observable,
  observeOn,
  queueScheduler,
  scan,
  skip,
  Subject,
  switchMap,
  timer,
  type Subscription,
} from 'rxjs';
import { ErrorCode } from '../protocol/error-code.js';
import { nameProblem } from '../protocol/names.js';
import { RtmError } from '../protocol/rtm-error.js';
import type { ConnectionAction, ConnectionEvent } from './connection-event.js';
import { ConnectionState, type ConnectionChangeReason, type ConnectionStatePair } from './connection-state.js';
import { EventBridge } from './event-bridge.js';
import { link, type LinkEvent, type WebSocketConstructor, type Writer } from './link.js';
import { clientSettings, type ClientSettings, type RtmClientOptions } from './options.js';
import { initialSnapshot, transition, type ConnectionSnapshot, type Step } from './transition.js';

/** Handlers for {@link RtmClient.on}, named and shaped as in the original SDK. */
export interface RtmClientEvents {
  ConnectionStateChanged: (state: ConnectionState, reason: ConnectionChangeReason) => void;
  TokenExpired: () => void;
  TokenPrivilegeWillExpire: () => void;
}

interface Pending {
  resolve(): void;
  reject(error: RtmError): void;
}

/** Most logins or token renewals a client makes in a second (SPEC §5). */
const CREDENTIAL_CALLS_PER_SECOND = 2;
const LINKED: ReadonlySet<ConnectionState> = new Set([ConnectionState.Connecting, ConnectionState.Connected, ConnectionState.Reconnecting]);

/** A timer the snapshot asks for: `event` at time `at` of the scheduler. */
interface Deadline {
  at: number;
  event: ConnectionEvent;
}

export class RtmClient {
  /** The current (state, reason), replayed to each new subscriber; emits on every change of state. */
  readonly connectionState$: Observable<ConnectionStatePair>;
  /** A reconnect was refused because the token expired; call `renewToken`. Once per token. */
  readonly tokenExpired$: Observable<void>;
  /** The token expires within `tokenWarningMs`; call `renewToken`. Once per token. */
  readonly tokenPrivilegeWillExpire$: Observable<void>;

  private readonly settings: ClientSettings;
  private readonly snapshot$ = new BehaviorSubject<ConnectionSnapshot>(initialSnapshot);
  private readonly pair$: BehaviorSubject<ConnectionStatePair>;
  private readonly commands = new Subject<ConnectionEvent>();
  private readonly tokenExpired = new Subject<void>();
  private readonly tokenWillExpire = new Subject<void>();
  private readonly renewedToken = new Subject<void>();
  private readonly linkFrames = new Subject<Extract<LinkEvent, { type: 'FRAME' }>['frame']>();
  private readonly pending = new Map<number, Pending>();
  private readonly events: EventBridge<RtmClientEvents>;
  private readonly running: Subscription;
  private readonly credentialCalls: number[] = [];
  private writer: Writer;
  private nextRequest = 1;

  constructor(options: RtmClientOptions, platformWebSocket?: WebSocketConstructor) {
    this.settings = clientSettings(options, platformWebSocket);
    this.pair$ = new BehaviorSubject<ConnectionStatePair>({ state: initialSnapshot.state, reason: initialSnapshot.reason });
    this.connectionState$ = this.pair$.asObservable();
    this.tokenExpired$ = this.tokenExpired.asObservable();
    this.tokenPrivilegeWillExpire$ = this.tokenWillExpire.asObservable();

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
          : link(this.settings, () => this.linkCredentials(), wake$, (writer) => (this.writer = writer)).pipe(
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
        this.snapshot$.next(step.snapshot);
        const { state, reason } = step.snapshot;
        if (state !== this.pair$.value.state) this.pair$.next({ state, reason });
      });

    this.events = new EventBridge<RtmClientEvents>({
      ConnectionStateChanged: this.pair$.pipe(
        skip(1),
        map(({ state, reason }): [ConnectionState, ConnectionChangeReason] => [state, reason]),
      ),
      TokenExpired: this.tokenExpired.pipe(map((): [] => [])),
      TokenPrivilegeWillExpire: this.tokenWillExpire.pipe(map((): [] => [])),
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
    const invalid = this.credentialProblem(token) ?? appIdProblem(this.settings.appId) ?? uidProblem(uid);
    if (invalid) return Promise.reject(invalid);
    if (this.connectionState.state !== ConnectionState.Disconnected) {
      return Promise.reject(new RtmError(ErrorCode.AlreadyLogin, `login while ${this.connectionState.state}`));
    }
    if (!this.takeCredentialCall()) return Promise.reject(tooOften());
    return this.request((request) => ({ type: 'LOGIN', request, uid, token, at: this.settings.scheduler.now() }));
  }

  /** Logs out from any state, promptly even on a dead link; resolves once DISCONNECTED. */
  logout(): Promise<void> {
    return this.request((request) => ({ type: 'LOGOUT', request }));
  }

  /**
   * Replaces the token. Connected, the server checks it first and the
   * promise says what it answered; reconnecting, it is kept for the next
   * attempt, which starts at once.
   */
  async renewToken(token: string): Promise<void> {
    const invalid = this.credentialProblem(token);
    if (invalid) throw invalid;
    const { state } = this.connectionState;
    if (state === ConnectionState.Disconnected || state === ConnectionState.Aborted) {
      throw new RtmError(ErrorCode.NotLoggedIn, `renewToken while ${state}`);
    }
    if (!this.takeCredentialCall()) throw tooOften();
    const writer = this.writer;
    if (!writer) {
      this.commands.next({ type: 'TOKEN_RENEWED', token, tokenExpiresAt: undefined });
      this.renewedToken.next();
      return;
    }
    const id = this.nextRequest++;
    const reply = await new Promise<Extract<LinkEvent, { type: 'FRAME' }>['frame'] | undefined>((resolve) => {
      const subscription = merge(
        this.linkFrames.pipe(filter((frame) => frame.t !== 'error' && frame.id === id)),
        // The link dropped before the answer: the token is kept for the next attempt.
        this.snapshot$.pipe(filter((s) => s.linkDownSince !== undefined || !LINKED.has(s.state)), map(() => undefined)),
      ).subscribe((frame) => {
        subscription?.unsubscribe();
        resolve(frame);
      });
      writer({ t: 'renew', id, token });
    });
    if (reply?.t === 'fail') throw new RtmError(reply.code, reply.message);
    const tokenExpiresAt = reply?.t === 'renewed' ? this.settings.scheduler.now() + reply.tokenExpiresInMs : undefined;
    this.commands.next({ type: 'TOKEN_RENEWED', token, tokenExpiresAt });
    if (!reply) this.renewedToken.next();
  }

  on<K extends keyof RtmClientEvents>(name: K, handler: RtmClientEvents[K]): this {
    this.events.on(name, handler);
    return this;
  }

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
        this.linkFrames.next(event.frame);
        return undefined;
    }
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
    if (typeof token !== 'string' || token.length === 0 || token.length > 2048) {
      return new RtmError(ErrorCode.InvalidArgument, 'token must be a non-empty string of at most 2048 characters');
    }
    return undefined;
  }

  /** SPEC §5: at most two logins or renewals a second, checked before the server has to. */
  private takeCredentialCall(): boolean {
    const now = this.settings.scheduler.now();
    while (this.credentialCalls.length > 0 && this.credentialCalls[0] <= now - 1000) this.credentialCalls.shift();
    if (this.credentialCalls.length >= CREDENTIAL_CALLS_PER_SECOND) return false;
    this.credentialCalls.push(now);
    return true;
  }
}

function appIdProblem(appId: unknown): RtmError | undefined {
  const problem = nameProblem(appId);
  return problem ? new RtmError(ErrorCode.InvalidAppId, `app id ${problem}`) : undefined;
}

function uidProblem(uid: unknown): RtmError | undefined {
  const problem = nameProblem(uid);
  return problem ? new RtmError(ErrorCode.InvalidArgument, `uid ${problem}`) : undefined;
}

function tooOften(): RtmError {
  return new RtmError(ErrorCode.TooOften, `more than ${CREDENTIAL_CALLS_PER_SECOND} logins or token renewals a second`);
}
