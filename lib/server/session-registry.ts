/**
 * The sessions this node holds, from login to their end: logins and
 * resumes, kicks and bans, and the runner of each session's transition
 * (session-life.ts) over the presence clock (presence-clock.ts) and the
 * store's events (store-events.ts). (Over 300 lines: the one owner of this
 * node's sessions; each of its steps is a few lines handing off to those files.)
 *
 * Ownership of a uid, channels, attributes and bans live in the store,
 * shared by every node; sockets, timers and delivery stay here. A session
 * outlives its socket by the presence grace (BEHAVIOUR §4, counted from the last
 * frame received), so a client back in time resumes it and gets the events
 * it missed, on this node or, with a gap to reconcile, on another.
 */
import { ErrorCode } from '../protocol/error-code.js';
import { KickReason } from '../protocol/frames.js';
import { RateLimits } from '../protocol/limits.js';
import { nameProblem } from '../protocol/names.js';
import { refusal, type Refusal } from '../protocol/refusal.js';
import type { PresenceStore } from '../store/presence-store.js';
import type { Replay } from './event-buffer.js';
import { Fanout } from './fanout.js';
import { InvitationDesk, type InvitationTimes } from './invitation-desk.js';
import { SharedInvitations } from './shared-invitations.js';
import type { Peer } from './peer.js';
import { PingWheel } from './ping-wheel.js';
import { PresenceClock } from './presence-clock.js';
import { RequestLimits, type LimitedOp } from './request-limits.js';
import type { ServerClock } from './server-clock.js';
import { TICK_MS } from './server-defaults.js';
import { ServerSession, type EventBufferBounds } from './server-session.js';
import { sessionId } from './session-ids.js';
import { SessionEffects } from './session-effects.js';
import { takeOver } from './moved-session.js';
import { SessionPhase, sessionTransition, type SessionEvent } from './session-life.js';
import { handleStoreEvent, peerMessageBody, type ClaimNews, type StoreEventTarget } from './store-events.js';
import type { Telemetry } from './telemetry.js';
import { verifyAppToken, type AppCredential } from './token-apps.js';

export interface LoginRequest {
  appId: string;
  uid: string;
  token: string;
  resume: string | undefined;
  /** The last event the client saw, when resuming (none: 0). */
  seq: number | undefined;
}

export type LoginOutcome =
  | { ok: true; session: ServerSession; resumed: boolean }
  | Refusal
  /** The session asked for was replaced by a later login: this instance is kicked, not let back in. */
  | { ok: false; kicked: KickReason }
  /** The session moved on or ended while this node took it over: the client is told to reconnect. */
  | { ok: false; away: true };

export interface SessionRegistryOptions {
  /** App id to what its tokens are checked with. */
  apps: ReadonlyMap<string, AppCredential>;
  store: PresenceStore;
  presenceGraceMs: number;
  /** Silence after which subscribers see UNREACHABLE (BEHAVIOUR §4: 6 s). */
  unreachableMs: number;
  /** What each session holds for a client whose link is down. */
  eventBuffer: EventBufferBounds;
  /** How long a session that moved here waits for its old node's events before it goes on without them. */
  handoffWaitMs: number;
  clock: ServerClock;
  /** Where failures that no client caused go (a store that failed, a bug). */
  onError: (error: unknown) => void;
  telemetry: Telemetry;
  /**
   * Call invitations' times (BEHAVIOUR §7.5); absent: this node takes no invitations. On a shared store they are
   * the store's (shared by the nodes) if it offers them, else none.
   */
  invitations?: InvitationTimes;
}

/** How often {@link SessionRegistry.drained} looks. */
const DRAIN_POLL_MS = 20;
const HEARD: SessionEvent = { type: 'HEARD' };
const RESUMED: SessionEvent = { type: 'RESUMED' };
const LOGGED_OUT: SessionEvent = { type: 'LOGGED_OUT' };
const REPLACED: SessionEvent = { type: 'REPLACED' };
const SENT_AWAY: SessionEvent = { type: 'SENT_AWAY' };

export class SessionRegistry {
  readonly fanout = new Fanout();
  /** Call invitations between sessions held here, on a store of this node's own (BEHAVIOUR §7.5). */
  readonly invitations: InvitationDesk<ServerSession> | undefined;
  /** Call invitations the nodes share, on a shared store that offers them. */
  readonly sharedInvitations: SharedInvitations | undefined;
  private readonly sessions = new Map<string, ServerSession>();
  private readonly users = new Map<string, ServerSession>();
  private readonly claiming = new Map<string, ClaimNews>();
  private readonly presence: PresenceClock;
  private readonly pings: PingWheel;
  private readonly limits: RequestLimits;
  private readonly effects: SessionEffects;
  private readonly stopListening: () => void;
  /** Handoffs of sessions that moved away, still being written to the store. */
  private readonly handoffs = new Set<Promise<void>>();
  private readonly report = (work: Promise<unknown>) => {
    work.catch(this.options.onError);
  };

  constructor(private readonly options: SessionRegistryOptions) {
    const now = options.clock.monotonic();
    const times = {
      graceMs: options.presenceGraceMs,
      unreachableMs: Math.min(options.unreachableMs, options.presenceGraceMs),
    };
    this.presence = new PresenceClock(
      times,
      options.store,
      (session, at) => this.apply(session, { type: 'SILENT', now: at }),
      this.report,
      now,
    );
    // A heartbeat slower than a third of the UNREACHABLE time would let a live client look unreachable.
    this.pings = new PingWheel(TICK_MS, { minMs: TICK_MS, maxMs: Math.max(TICK_MS, times.unreachableMs / 3) }, now);
    this.limits = new RequestLimits(now);
    this.effects = new SessionEffects(options.store, this.presence, options.telemetry, this.report, (session) =>
      this.forget(session),
    );
    const { invitations: calls, store } = options;
    this.invitations = calls && !store.shared ? new InvitationDesk(calls, () => options.clock.monotonic()) : undefined;
    this.sharedInvitations =
      calls && store.shared && store.calls ? new SharedInvitations(store.calls, calls, this.report) : undefined;
    const target: StoreEventTarget = {
      store: options.store,
      calls: this.sharedInvitations,
      fanout: this.fanout,
      sessions: this.sessions,
      claiming: this.claiming,
      now: () => options.clock.monotonic(),
      apply: (session, event) => this.apply(session, event),
      handOver: (event, session) => {
        const work = options.store.handOver(event.appId, event.claim, session?.handoff(event.seq));
        this.handoffs.add(work);
        this.report(work.finally(() => this.handoffs.delete(work)));
      },
    };
    this.stopListening = options.store.listen((event) => handleStoreEvent(event, target));
  }

  /** The uid's live session if this node holds it. */
  held(appId: string, uid: string): ServerSession | undefined {
    return this.users.get(userKey(appId, uid));
  }

  get store(): PresenceStore {
    return this.options.store;
  }

  /** Sessions held by this node, attached or within their grace. */
  get size(): number {
    return this.sessions.size;
  }

  /** Checks a login and, if it passes, claims a new or resumed session; {@link attach} then binds the socket. */
  async login(request: LoginRequest): Promise<LoginOutcome> {
    const outcome = await this.tryLogin(request);
    this.options.telemetry.login(
      outcome.ok ? (outcome.resumed ? 'resumed' : 'created') : 'code' in outcome ? outcome.code : 'superseded',
    );
    return outcome;
  }

  private async tryLogin(request: LoginRequest): Promise<LoginOutcome> {
    const { appId, uid, token, resume } = request;
    const app = this.options.apps.get(appId);
    if (app === undefined) return refusal(ErrorCode.InvalidAppId, 'unknown app id');
    const problem = nameProblem(uid);
    if (problem) return refusal(ErrorCode.InvalidArgument, `uid ${problem}`);
    if (!this.limits.login(userKey(appId, uid), this.options.clock.monotonic())) {
      return refusal(ErrorCode.TooOften, `more than ${RateLimits.login.limit} logins a second`);
    }
    const check = verifyAppToken(app, token, appId, uid, this.options.clock.wall());
    if (!check.ok)
      return refusal(check.code, check.code === ErrorCode.TokenExpired ? 'token expired' : 'token invalid');

    const fresh = sessionId();
    const news: ClaimNews = {};
    const ids = resume === undefined ? [fresh] : [fresh, resume];
    for (const id of ids) this.claiming.set(id, news);
    try {
      const claim = await this.store.claim(appId, uid, fresh, resume, this.presence.lease, request.seq);
      if (claim.outcome === 'banned') return refusal(ErrorCode.NotAuthorized, 'uid is banned');
      if (claim.outcome === 'superseded') return { ok: false, kicked: KickReason.RemoteLogin };
      const now = this.options.clock.monotonic();
      let session: ServerSession;
      if (claim.outcome === 'resumed') {
        const id = resume!;
        const held = this.sessions.get(id);
        if (held && held.uid === uid && held.appId === appId) {
          session = held;
        } else {
          // Held by another node, or by one that is gone: rebuild it here from the store. Its events are
          // with that node, which hands them over if it is alive (BEHAVIOUR §7); if not, they are lost and
          // the client reconciles. Either way new ones are numbered after them. (Messages the store sent
          // it while this node claimed it were that node's too: see `news`.)
          session = this.adopt(new ServerSession(id, appId, uid, now, check.expiresAt, this.options.eventBuffer));
          if (claim.moved) session.events.awaitHandoff(request.seq ?? 0);
          else session.events.markLost(request.seq ?? 0);
          for (const channel of await this.store.channelsOf(appId, uid, id)) this.fanout.joined(session, channel);
          if (claim.moved) await takeOver(session, this.store, this.fanout, fresh, this.options.handoffWaitMs);
          if (!session.live)
            return news.kicked === undefined ? { ok: false, away: true } : { ok: false, kicked: news.kicked };
        }
        session.lastFrameAt = now;
        session.tokenExpiresAt = check.expiresAt;
        this.apply(session, RESUMED);
      } else {
        // Kept while the user was logged out: before any live message, which the store sends only from now on.
        const offline = await this.store.takeOfflineMessages(appId, uid, this.options.clock.wall());
        session = this.adopt(new ServerSession(fresh, appId, uid, now, check.expiresAt, this.options.eventBuffer));
        for (const message of offline) session.deliver(peerMessageBody(message, true));
        // Live messages the store sent the session before this node held it, in order.
        for (const message of news.messages ?? []) session.deliver(peerMessageBody(message, false));
      }
      this.presence.schedule(session);
      if (news.kicked !== undefined || news.goaway) this.afterWelcome(session, news);
      return { ok: true, session, resumed: claim.outcome === 'resumed' };
    } finally {
      for (const id of ids) if (this.claiming.get(id) === news) this.claiming.delete(id);
    }
  }

  /**
   * The store's events overtook its answer to a claim: the session was
   * replaced (a simultaneous login elsewhere won), banned, or taken over
   * by another node while this one was claiming it. The client still gets
   * its welcome (as a single server would have welcomed it before the
   * later change), and then, once attached, is told.
   */
  private afterWelcome(session: ServerSession, news: ClaimNews): void {
    setImmediate(() =>
      this.apply(session, news.kicked !== undefined ? { type: 'KICKED', reason: news.kicked } : SENT_AWAY),
    );
  }

  /**
   * Puts `peer` in charge of the session and returns what it missed since
   * `seq` (and whether some was lost). The caller sends its welcome, then
   * these, before anything else can reach the peer: both happen in this
   * one synchronous step. With `heartbeatMs` (from {@link heartbeatFor})
   * the server pings the peer at that interval; without, the peer pings.
   */
  attach(session: ServerSession, peer: Peer, seq: number, heartbeatMs: number | undefined): Replay {
    const missed = session.events.since(seq);
    if (heartbeatMs === undefined) this.pings.delete(session);
    else this.pings.add(session, heartbeatMs);
    const stale = session.peer;
    session.peer = peer;
    // The same instance came back on a new socket; the old one is a dead link.
    if (stale && stale !== peer) stale.terminate();
    this.sharedInvitations?.attached(session.appId, session.id);
    return missed;
  }

  /** The heartbeat interval the server uses for one a login asked for. */
  heartbeatFor(askedMs: number): number {
    return this.pings.intervalFor(askedMs);
  }

  /** A frame arrived: the only per-frame work presence needs. */
  heard(session: ServerSession): void {
    session.lastFrameAt = this.options.clock.monotonic();
    this.presence.heard(session);
    if (session.phase === SessionPhase.Unreachable) this.apply(session, HEARD);
  }

  /** The session's socket is gone; the session waits out its grace for a resume. */
  detach(session: ServerSession, peer: Peer): void {
    if (session.peer === peer) session.peer = undefined;
  }

  /** Counts a request against its BEHAVIOUR §5 rate; false when over it. */
  take(op: LimitedOp, session: ServerSession): boolean {
    return this.limits.take(op, session.id, this.options.clock.monotonic());
  }

  /** Replaces the session's token, answering its new expiry. */
  renew(session: ServerSession, token: string): { ok: true; expiresAt: number } | Refusal {
    if (!this.take('renew', session)) return refusal(ErrorCode.TooOften, `renewToken refused: ${ErrorCode.TooOften}`);
    const app = this.options.apps.get(session.appId)!;
    const check = verifyAppToken(app, token, session.appId, session.uid, this.options.clock.wall());
    if (!check.ok) return refusal(check.code, `renewToken refused: ${check.code}`);
    session.tokenExpiresAt = check.expiresAt;
    return { ok: true, expiresAt: check.expiresAt };
  }

  /** Ends the session now (logout): peers see it leave at once; it cannot be resumed. */
  logout(session: ServerSession): Promise<void> {
    // A logout waits for its end (the caller handles a failure).
    return this.step(session, LOGGED_OUT) ?? Promise.resolve();
  }

  /**
   * Operator action: ends the uid's session (BANNED_BY_SERVER), wherever it
   * is held, and refuses its logins on every node until {@link unban}.
   */
  async ban(appId: string, uid: string): Promise<void> {
    await this.store.ban(appId, uid);
  }

  async unban(appId: string, uid: string): Promise<void> {
    await this.store.unban(appId, uid);
  }

  /** Moves the presence clock and the heartbeat; called by one server-wide timer every `TICK_MS`. */
  tick(): void {
    const now = this.options.clock.monotonic();
    this.pings.tick(now);
    this.presence.tick(now);
    this.invitations?.tick();
    this.sharedInvitations?.tick(now);
  }

  /**
   * Resolves once this node holds no session and has handed over every
   * one that moved, or after `timeoutMs`: a closing cluster node waits so,
   * since the nodes its clients resume on wait for its handoffs.
   */
  async drained(timeoutMs: number): Promise<void> {
    const deadline = this.options.clock.monotonic() + timeoutMs;
    while ((this.sessions.size > 0 || this.handoffs.size > 0) && this.options.clock.monotonic() < deadline)
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }

  close(): void {
    this.stopListening();
  }

  private adopt(session: ServerSession): ServerSession {
    const key = userKey(session.appId, session.uid);
    const previous = this.users.get(key);
    if (previous && previous !== session) this.apply(previous, REPLACED);
    this.sessions.set(session.id, session);
    this.users.set(key, session);
    return session;
  }

  /**
   * Moves the session by its transition and runs the effects, in order.
   * Resolves once they all ran when one waits for the store (an end);
   * otherwise they ran already and the answer is undefined.
   */
  /** Applies `event`; a failure of its effects is reported, never thrown. */
  private apply(session: ServerSession, event: SessionEvent): void {
    const work = this.step(session, event);
    if (work) this.report(work);
  }

  /** Moves the session's phase and starts the transition's effects; their work, if any is asynchronous. */
  private step(session: ServerSession, event: SessionEvent): Promise<void> | undefined {
    const step = sessionTransition(session, event, this.presence.times);
    session.phase = step.phase;
    return this.effects.run(session, step.actions);
  }

  /** Drops the session from this node: no more events, no presence clock. */
  private forget(session: ServerSession): void {
    this.sessions.delete(session.id);
    const key = userKey(session.appId, session.uid);
    if (this.users.get(key) === session) this.users.delete(key);
    this.presence.forget(session);
    this.pings.delete(session);
    this.fanout.drop(session);
    this.invitations?.ended(session);
  }
}

function userKey(appId: string, uid: string): string {
  return `${appId}\n${uid}`;
}
