/**
 * The sessions this node holds, from login to their end: logins and
 * resumes, the presence clock (ONLINE → UNREACHABLE → gone), kicks and bans.
 *
 * Ownership of a uid, channels and attributes live in the store, shared by
 * every node; sockets, timers and delivery stay here. A session outlives
 * its socket by the presence grace (SPEC §4, counted from the last frame
 * received), so a client back in time resumes it and gets the events it
 * missed.
 */
import { randomBytes } from 'node:crypto';
import { CloseCode } from '../protocol/close-code.js';
import { ErrorCode } from '../protocol/error-code.js';
import { KickReason, PeerStatus } from '../protocol/frames.js';
import { RateLimits, type RateLimit } from '../protocol/limits.js';
import { nameProblem } from '../protocol/names.js';
import { EndReason, type PresenceStore, type StoreEvent } from '../store/presence-store.js';
import { ExpiryWheel } from './expiry-wheel.js';
import { Fanout } from './fanout.js';
import type { Peer } from './peer.js';
import { RateLimiter } from './rate-limiter.js';
import { ServerSession } from './server-session.js';
import type { Telemetry } from './telemetry.js';
import { verifyToken } from './token.js';

/** Clocks the registry reads: monotonic for presence, wall for token expiry. */
export interface ServerClock {
  monotonic(): number;
  wall(): number;
}

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
  | { ok: false; code: ErrorCode; message: string }
  | { ok: false; kicked: KickReason };

export interface SessionRegistryOptions {
  /** App id to app secret. */
  apps: ReadonlyMap<string, string>;
  store: PresenceStore;
  presenceGraceMs: number;
  /** Silence after which subscribers see UNREACHABLE (SPEC §4: 6 s). */
  unreachableMs: number;
  clock: ServerClock;
  /** Where failures that no client caused go (a store that failed, a bug). */
  onError: (error: unknown) => void;
  telemetry: Telemetry;
}

/** Requests a session may make at a limited rate (SPEC §5). */
export type LimitedOp = Exclude<keyof typeof RateLimits, 'login'> | 'renew';
const RENEW: RateLimit = RateLimits.login;
const WHEEL_TICK_MS = 100;

export class SessionRegistry {
  readonly fanout = new Fanout();
  private readonly sessions = new Map<string, ServerSession>();
  private readonly users = new Map<string, ServerSession>();
  private readonly banned = new Set<string>();
  private readonly logins: RateLimiter;
  private readonly limiters: Record<LimitedOp, RateLimiter>;
  private readonly presence: ExpiryWheel<ServerSession>;
  private readonly stopListening: () => void;

  constructor(private readonly options: SessionRegistryOptions) {
    const now = options.clock.monotonic();
    const limiter = ({ limit, windowMs }: RateLimit) => new RateLimiter(limit, windowMs, now);
    this.logins = limiter(RateLimits.login);
    this.limiters = {
      renew: limiter(RENEW),
      join: limiter(RateLimits.join),
      getMembers: limiter(RateLimits.getMembers),
      queryOnline: limiter(RateLimits.queryOnline),
      setAttributes: limiter(RateLimits.setAttributes),
      getAttributes: limiter(RateLimits.getAttributes),
    };
    this.presence = new ExpiryWheel<ServerSession>(
      WHEEL_TICK_MS,
      (session) =>
        session.lastFrameAt + (session.status === PeerStatus.Online ? Math.min(options.unreachableMs, options.presenceGraceMs) : options.presenceGraceMs),
      (session, now) => this.silent(session, now),
      now,
    );
    this.stopListening = options.store.listen((event) => this.heardFromStore(event));
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
    this.options.telemetry.login(outcome.ok ? (outcome.resumed ? 'resumed' : 'created') : 'kicked' in outcome ? 'superseded' : outcome.code);
    return outcome;
  }

  private async tryLogin(request: LoginRequest): Promise<LoginOutcome> {
    const { appId, uid, token, resume } = request;
    const secret = this.options.apps.get(appId);
    if (secret === undefined) return { ok: false, code: ErrorCode.InvalidAppId, message: 'unknown app id' };
    const problem = nameProblem(uid);
    if (problem) return { ok: false, code: ErrorCode.InvalidArgument, message: `uid ${problem}` };
    if (!this.logins.take(userKey(appId, uid), this.options.clock.monotonic())) {
      return { ok: false, code: ErrorCode.TooOften, message: `more than ${RateLimits.login.limit} logins a second` };
    }
    const check = verifyToken(token, appId, uid, secret, this.options.clock.wall());
    if (!check.ok) return { ok: false, code: check.code, message: check.code === ErrorCode.TokenExpired ? 'token expired' : 'token invalid' };
    if (this.banned.has(userKey(appId, uid))) return { ok: false, code: ErrorCode.NotAuthorized, message: 'uid is banned' };

    const fresh = randomBytes(12).toString('base64url');
    const claim = await this.store.claim(appId, uid, fresh, resume);
    if (claim.outcome === 'superseded') return { ok: false, kicked: KickReason.RemoteLogin };
    const now = this.options.clock.monotonic();

    if (claim.outcome === 'resumed') {
      const id = resume!;
      let session = this.sessions.get(id);
      if (!session || session.uid !== uid || session.appId !== appId) {
        // Held by a node that is gone: rebuild it here from the store; its events are lost.
        session = this.adopt(new ServerSession(id, appId, uid, now, check.expiresAt));
        session.events.since(Number.MAX_SAFE_INTEGER);
        for (const channel of await this.store.channelsOf(appId, uid, id)) this.fanout.joined(session, channel);
      }
      session.lastFrameAt = now;
      session.tokenExpiresAt = check.expiresAt;
      session.status = PeerStatus.Online;
      this.presence.schedule(session);
      return { ok: true, session, resumed: true };
    }
    const session = this.adopt(new ServerSession(fresh, appId, uid, now, check.expiresAt));
    this.presence.schedule(session);
    return { ok: true, session, resumed: false };
  }

  /**
   * Puts `peer` in charge of the session and returns what it missed since
   * `seq` (undefined: some was lost). The caller sends its welcome, then
   * these, before anything else can reach the peer: both happen in this
   * one synchronous step.
   */
  attach(session: ServerSession, peer: Peer, seq: number): string[] | undefined {
    const missed = session.events.since(seq);
    const stale = session.peer;
    session.peer = peer;
    // The same instance came back on a new socket; the old one is a dead link.
    if (stale && stale !== peer) stale.terminate();
    return missed;
  }

  /** A frame arrived: the only per-frame work presence needs. */
  heard(session: ServerSession): void {
    session.lastFrameAt = this.options.clock.monotonic();
    if (session.status === PeerStatus.Online || !session.live) return;
    session.status = PeerStatus.Online;
    // Its wheel slot is the (later) expiry deadline; file it again for the unreachable one.
    this.presence.schedule(session);
    this.report(this.store.setStatus(session.appId, session.uid, session.id, PeerStatus.Online));
  }

  /** The session's socket is gone; the session waits out its grace for a resume. */
  detach(session: ServerSession, peer: Peer): void {
    if (session.peer === peer) session.peer = undefined;
  }

  /** Counts a request against its SPEC §5 rate; false when over it. */
  take(op: LimitedOp, session: ServerSession): boolean {
    return this.limiters[op].take(session.id, this.options.clock.monotonic());
  }

  /** Replaces the session's token; the answer is an error code or the new expiry. */
  renew(session: ServerSession, token: string): { ok: true; expiresAt: number } | { ok: false; code: ErrorCode } {
    if (!this.take('renew', session)) return { ok: false, code: ErrorCode.TooOften };
    const secret = this.options.apps.get(session.appId)!;
    const check = verifyToken(token, session.appId, session.uid, secret, this.options.clock.wall());
    if (!check.ok) return check;
    session.tokenExpiresAt = check.expiresAt;
    return { ok: true, expiresAt: check.expiresAt };
  }

  /** Ends the session now (logout): peers see it leave at once; it cannot be resumed. */
  async logout(session: ServerSession): Promise<void> {
    await this.end(session, EndReason.Logout);
    session.peer?.close(CloseCode.Normal, 'logged out');
  }

  /** Operator action: ends the uid's session (BANNED_BY_SERVER) and refuses its logins until {@link unban}. */
  async ban(appId: string, uid: string): Promise<void> {
    this.banned.add(userKey(appId, uid));
    const session = this.users.get(userKey(appId, uid));
    if (session) await this.store.end(appId, uid, session.id, EndReason.Banned);
  }

  unban(appId: string, uid: string): void {
    this.banned.delete(userKey(appId, uid));
  }

  /** Moves the presence clock; called by one server-wide timer. */
  tick(): void {
    this.presence.advance(this.options.clock.monotonic());
  }

  /** Every attached peer, for a shutdown notice. */
  *peers(): Iterable<Peer> {
    for (const session of this.sessions.values()) if (session.peer) yield session.peer;
  }

  close(): void {
    this.stopListening();
  }

  private adopt(session: ServerSession): ServerSession {
    const key = userKey(session.appId, session.uid);
    const previous = this.users.get(key);
    if (previous && previous !== session) this.forget(previous);
    this.sessions.set(session.id, session);
    this.users.set(key, session);
    return session;
  }

  /** The presence clock ran out for this session: first UNREACHABLE, then gone. */
  private silent(session: ServerSession, now: number): boolean {
    if (session.status === PeerStatus.Online && now < session.lastFrameAt + this.options.presenceGraceMs) {
      session.status = PeerStatus.Unreachable;
      this.report(this.store.setStatus(session.appId, session.uid, session.id, PeerStatus.Unreachable));
      return true;
    }
    const peer = session.peer;
    this.options.telemetry.expired();
    this.report(this.end(session, EndReason.Expired).then(() => peer?.terminate()));
    return false;
  }

  private async end(session: ServerSession, reason: EndReason): Promise<void> {
    if (!session.live) return;
    this.forget(session);
    await this.store.end(session.appId, session.uid, session.id, reason);
  }

  /** Drops the session from this node: no more events, no presence clock. */
  private forget(session: ServerSession): void {
    if (!session.live) return;
    session.live = false;
    this.sessions.delete(session.id);
    const key = userKey(session.appId, session.uid);
    if (this.users.get(key) === session) this.users.delete(key);
    this.presence.delete(session);
    this.fanout.drop(session);
  }

  private heardFromStore(event: StoreEvent): void {
    if (event.type !== 'kick') return this.fanout.deliver(event);
    const session = this.sessions.get(event.session);
    if (!session) return;
    this.forget(session);
    this.options.telemetry.kicked(event.reason);
    session.peer?.send({ t: 'kicked', reason: event.reason });
    session.peer?.close(CloseCode.Kicked, event.reason);
  }

  private report(work: Promise<unknown>): void {
    work.catch(this.options.onError);
  }
}

function userKey(appId: string, uid: string): string {
  return `${appId}\n${uid}`;
}
