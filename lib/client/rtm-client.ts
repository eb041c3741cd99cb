/**
 * The client's public face: argument checks, rate limits and the API of
 * the original SDK over the running {@link Connection} (state, link,
 * timers) and the {@link Session} (requests, channels, attributes, online
 * status) it drives. (Over 300 lines: the SDK's API is wide, a short method
 * per call; the logic lives in the files it delegates to.)
 */
import { filter, firstValueFrom, fromEvent, map, merge, NEVER, race, skip, Subject } from './rx.js';
import type { Observable } from 'rxjs';
import { ErrorCode } from '../protocol/error-code.js';
import { Limits, RateLimits } from '../protocol/limits.js';
import { RtmError } from '../protocol/rtm-error.js';
import { Connection } from './connection.js';
import { ConnectionState, type ConnectionChangeReason, type ConnectionStatePair } from './connection-state.js';
import { EventBridge } from './event-bridge.js';
import { invalidName } from './invalid-name.js';
import type { WebSocketConstructor } from './link.js';
import type { AttributesMap } from './local-attributes.js';
import type { PeerMessage } from './messages.js';
import type { PeersStatus } from './online-status.js';
import { clientSettings, type ClientSettings, type RtmClientOptions } from './options.js';
import { rateWindow, type RateWindow } from './rate-window.js';
import type { RtmChannel } from './rtm-channel.js';
import type { OutgoingMessage, RtmMessage } from './rtm-message.js';
import { Session } from './session.js';
import type { ConnectionSnapshot } from './transition.js';

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
  /** As {@link RtmClient.messageFromPeer$}. */
  MessageFromPeer: (
    message: RtmMessage,
    peerId: string,
    properties: { serverReceivedTs: number; isOfflineMessage: boolean },
  ) => void;
}

/** Options of {@link RtmClient.sendMessageToPeer}. */
export interface SendMessageOptions {
  /** Keep the message for the peer's next login if it is not logged in now (at most 200 per peer, 7 days). */
  readonly enableOfflineMessaging?: boolean;
}

/** What {@link RtmClient.sendMessageToPeer} resolves to. */
export interface PeerMessageSendResult {
  /** The peer is logged in (inside its grace counts: it gets the message on its return). */
  readonly hasPeerReceived: boolean;
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
  /**
   * Messages from other users, each once, in the order each sender sent
   * them, also across reconnects within the grace (BEHAVIOUR §7); offline ones
   * at login, flagged `isOfflineMessage`.
   */
  readonly messageFromPeer$: Observable<PeerMessage>;

  readonly #settings: ClientSettings;
  readonly #connection: Connection;
  readonly #session: Session;
  readonly #renewedToken = new Subject<void>();
  readonly #events: EventBridge<RtmClientEvents>;
  readonly #countCredentialCall: RateWindow;
  readonly #parts = new Map<(session: Session) => unknown, unknown>();
  #nextRequest = 1;

  constructor(options: RtmClientOptions, platformWebSocket?: WebSocketConstructor) {
    this.#settings = clientSettings(options, platformWebSocket);
    const { scheduler } = this.#settings;
    this.#countCredentialCall = rateWindow(RateLimits.login, 'logins or token renewals', () => scheduler.now());
    const nextId = () => this.#nextRequest++;
    this.#session = new Session({
      scheduler,
      requestTimeoutMs: this.#settings.requestTimeoutMs,
      nextId,
      accepting: () =>
        this.connectionState.state === ConnectionState.Connected ||
        this.connectionState.state === ConnectionState.Reconnecting,
      self: () => this.#connection.snapshot$.value.credentials?.uid ?? '',
    });
    const online$ = options.networkOnline$ ?? (typeof window === 'undefined' ? NEVER : fromEvent(window, 'online'));
    // A page shown again or resumed may have slept: its link is judged at once, and a reconnect waits no longer.
    const woke$ =
      typeof document === 'undefined'
        ? NEVER
        : merge(fromEvent(document, 'visibilitychange'), fromEvent(document, 'resume'));
    this.#connection = new Connection(this.#settings, this.#session, nextId, merge(this.#renewedToken, online$, woke$));

    const { pair$, tokenExpired, tokenWillExpire } = this.#connection;
    this.connectionState$ = pair$.asObservable();
    this.tokenExpired$ = tokenExpired.asObservable();
    this.tokenPrivilegeWillExpire$ = tokenWillExpire.asObservable();
    this.peersOnlineStatusChanged$ = this.#session.onlineStatus.changed$;
    this.messageFromPeer$ = this.#session.messages.fromPeer$;
    this.#events = new EventBridge<RtmClientEvents>({
      ConnectionStateChanged: pair$.pipe(
        skip(1),
        map(({ state, reason }): [ConnectionState, ConnectionChangeReason] => [state, reason]),
      ),
      TokenExpired: tokenExpired.pipe(map((): [] => [])),
      TokenPrivilegeWillExpire: tokenWillExpire.pipe(map((): [] => [])),
      PeersOnlineStatusChanged: this.#session.onlineStatus.changed$.pipe(map((status): [PeersStatus] => [status])),
      MessageFromPeer: this.messageFromPeer$.pipe(
        map(
          ({ message, peerId, serverReceivedTs, isOfflineMessage }): Parameters<RtmClientEvents['MessageFromPeer']> => [
            message,
            peerId,
            { serverReceivedTs, isOfflineMessage },
          ],
        ),
      ),
    });
  }

  /** The current (state, reason). */
  get connectionState(): ConnectionStatePair {
    return this.#connection.pair$.value;
  }

  /**
   * Logs in (BEHAVIOUR §2): resolves on CONNECTED / LOGIN_SUCCESS; rejects with
   * an {@link RtmError} whose code says why, having changed nothing if the
   * arguments were bad or the client was not DISCONNECTED.
   */
  async login({ uid, token }: { uid: string; token: string }): Promise<void> {
    const invalid =
      this.#credentialProblem(token) ??
      invalidName('app id', this.#settings.appId, ErrorCode.InvalidAppId) ??
      invalidName('uid', uid);
    if (invalid) throw invalid;
    if (this.connectionState.state !== ConnectionState.Disconnected) {
      throw new RtmError(ErrorCode.AlreadyLogin, `login while ${this.connectionState.state}`);
    }
    const limited = this.#countCredentialCall();
    if (limited) throw limited;
    return this.#connection.call((request) => ({
      type: 'LOGIN',
      request,
      uid,
      token,
      at: this.#settings.scheduler.now(),
    }));
  }

  /** Logs out from any state, promptly even on a dead link; resolves once DISCONNECTED. */
  logout(): Promise<void> {
    return this.#connection.call((request) => ({ type: 'LOGOUT', request }));
  }

  /**
   * Replaces the token. Connected on a live link, the server checks it
   * first and the promise says what it answered (TIMEOUT if nothing);
   * otherwise, or if the link drops before the answer, it is kept for the
   * next attempt, which starts at once.
   */
  async renewToken(token: string): Promise<void> {
    const invalid = this.#credentialProblem(token);
    if (invalid) throw invalid;
    const { state } = this.connectionState;
    if (state === ConnectionState.Disconnected || state === ConnectionState.Aborted) {
      throw new RtmError(ErrorCode.NotLoggedIn, `renewToken while ${state}`);
    }
    const limited = this.#countCredentialCall();
    if (limited) throw limited;
    const linkLost = (s: ConnectionSnapshot) => s.state !== ConnectionState.Connected || s.linkDownSince !== undefined;
    const { snapshot$ } = this.#connection;
    const reply = linkLost(snapshot$.value)
      ? undefined
      : await firstValueFrom(
          race(
            this.#session.requests.request$({ t: 'renew', token }),
            // Losing the race withdraws the request: the next attempt logs in with the token instead.
            snapshot$.pipe(
              filter(linkLost),
              map(() => undefined),
            ),
          ),
        );
    const tokenExpiresAt = reply ? this.#settings.scheduler.now() + reply.tokenExpiresInMs : undefined;
    this.#connection.dispatch({ type: 'TOKEN_RENEWED', token, tokenExpiresAt });
    if (!reply) this.#renewedToken.next();
  }

  /**
   * The channel of that id, the same instance for the same id; nothing is
   * sent until `join`. Throws INVALID_ARGUMENT for an id that breaks the
   * name rule (1 to 64 bytes of letters, digits, space and
   * ``!#$%&()+-:;<=.>?@[]^_{}|~,``, not `null`).
   */
  createChannel(channelId: string): RtmChannel {
    return this.#session.channels.channel(channelId);
  }

  /**
   * Replaces all of this user's attributes. Rejects INVALID_ARGUMENT for a
   * key not of 1 to 32 bytes, a value not a string or a pair over 8 KB;
   * LIMIT_EXCEEDED past 32 pairs or 16 KB; TOO_OFTEN past 10 writes in 5 s.
   * The local copy (written back after a new session) changes once the
   * server confirmed.
   */
  setLocalUserAttributes(attributes: AttributesMap): Promise<void> {
    return this.#session.attributes.set(attributes);
  }

  /**
   * Adds or updates these attributes, keeping the others;
   * the limits of {@link setLocalUserAttributes} apply to the result.
   */
  addOrUpdateLocalUserAttributes(attributes: AttributesMap): Promise<void> {
    return this.#session.attributes.merge(attributes);
  }

  /** Deletes these of this user's attributes, keeping the others. */
  deleteLocalUserAttributesByKeys(keys: string[]): Promise<void> {
    return this.#session.attributes.delete(keys);
  }

  /** Deletes all of this user's attributes. */
  clearLocalUserAttributes(): Promise<void> {
    return this.#session.attributes.clear();
  }

  /** A user's attributes (none for a user offline). TOO_OFTEN past 40 reads in 5 s. */
  getUserAttributes(uid: string): Promise<AttributesMap> {
    return this.#session.attributes.read(uid);
  }

  /** A user's attributes of these keys, those it has. */
  getUserAttributesByKeys(uid: string, keys: string[]): Promise<AttributesMap> {
    return this.#session.attributes.read(uid, keys);
  }

  /**
   * Which peers are online (UNREACHABLE counts as online).
   * At most 512 uids a call; TOO_OFTEN past 10 queries in 5 s.
   */
  queryPeersOnlineStatus(uids: string[]): Promise<Record<string, boolean>> {
    return this.#session.onlineStatus.query(uids);
  }

  /**
   * Reports these peers' status on {@link peersOnlineStatusChanged$} from
   * now on, their current status first; kept across reconnects. At most
   * 512 peers in all (LIMIT_EXCEEDED).
   */
  subscribePeersOnlineStatus(uids: string[]): Promise<void> {
    return this.#session.onlineStatus.subscribe(uids);
  }

  /** The peers subscribed to by {@link subscribePeersOnlineStatus}; none once the session ended. */
  get subscribedPeers(): string[] {
    return this.#session.onlineStatus.subscribed;
  }

  /** Stops reporting these peers, at once. */
  unsubscribePeersOnlineStatus(uids: string[]): Promise<void> {
    return this.#session.onlineStatus.unsubscribe(uids);
  }

  /**
   * Sends a message to a user; resolves once the server accepted it, with
   * whether the peer is logged in. Never throws; rejects INVALID_ARGUMENT
   * (a bad peer id or message), LIMIT_EXCEEDED (over 32 KB), NOT_LOGGED_IN,
   * TOO_OFTEN (over 180 messages, peer and channel, in 3 s; nothing sent),
   * or TIMEOUT. Made while the link is down, it waits and goes out in
   * order when the session is back; if it has not left the client within
   * `requestTimeoutMs` it rejects TIMEOUT and is never delivered. Once it
   * left it waits as long as the session can resume and is delivered once;
   * if the session is lost before the answer it rejects TIMEOUT, in doubt
   * (delivered once or not at all). Any other rejection: not delivered.
   */
  sendMessageToPeer(
    message: OutgoingMessage,
    peerId: string,
    options: SendMessageOptions = {},
  ): Promise<PeerMessageSendResult> {
    const offline = (options as SendMessageOptions | null)?.enableOfflineMessaging === true;
    return this.#session.messages
      .send(
        message,
        (wire) => ({ t: 'sendPeer', to: peerId, ...wire, ...(offline ? { offline } : {}) }),
        () => invalidName('peer id', peerId),
      )
      .then(({ received }) => ({ hasPeerReceived: received }));
  }

  /**
   * @internal A part of the client outside its entry (BEHAVIOUR §8.2), such as
   * `invitations(client)`: made by `make` on this client's session the
   * first time, the same object every time after.
   */
  part<T>(make: (session: Session) => T): T {
    if (!this.#parts.has(make)) this.#parts.set(make, make(this.#session));
    // Only `make` ever sets the value under its own key.
    return this.#parts.get(make) as T;
  }

  /** Adds a handler in the original SDK's event style; the observables above are the same events. */
  on<K extends keyof RtmClientEvents>(name: K, handler: RtmClientEvents[K]): this {
    this.#events.on(name, handler);
    return this;
  }

  /** Removes a handler added with {@link on}. */
  off<K extends keyof RtmClientEvents>(name: K, handler: RtmClientEvents[K]): this {
    this.#events.off(name, handler);
    return this;
  }

  /**
   * Logs out and stops for good: streams complete, handlers are dropped.
   * For components that own a client (an Angular service's `ngOnDestroy`).
   */
  async destroy(): Promise<void> {
    await this.logout();
    this.#connection.stop();
    this.#events.clear();
    this.#session.complete();
  }

  #credentialProblem(token: unknown): RtmError | undefined {
    if (typeof token !== 'string' || token.length === 0 || token.length > Limits.tokenChars) {
      return new RtmError(ErrorCode.InvalidArgument, `token must be a string of 1 to ${Limits.tokenChars} characters`);
    }
    return undefined;
  }
}
