/**
 * The sessions this node holds, from login to their end: logins and
 * resumes, the presence clock (ONLINE → UNREACHABLE → gone), kicks and bans.
 *
 * Ownership of a uid, channels, attributes and bans live in the store,
 * shared by every node; sockets, timers and delivery stay here. A session
 * outlives its socket by the presence grace (SPEC §4, counted from the last
 * frame received), so a client back in time resumes it and gets the events
 * it missed, on this node or, with a gap to reconcile, on another.
 *
 * A frame costs a number write and a set insertion, never a store call:
 * the sessions heard are told to the store in one batch per refresh
 * interval, so other nodes know they are alive (a cluster store needs it;
 * see docs/CLUSTER.md).
 */
import { randomFillSync } from 'node:crypto';
import { CloseCode } from '../protocol/close-code.js';
import { ErrorCode } from '../protocol/error-code.js';
import { KickReason, PeerStatus } from '../protocol/frames.js';
import { RateLimits, type RateLimit } from '../protocol/limits.js';
import { nameProblem } from '../protocol/names.js';
import { EndReason, type Heard, type Lease, type PresenceStore, type StoreEvent } from '../store/presence-store.js';
import { ExpiryWheel } from './expiry-wheel.js';
import { Fanout } from './fanout.js';
import type { Peer } from './peer.js';
import { RateLimiter } from './rate-limiter.js';
import type { ServerClock } from './server-clock.js';
import { ServerSession } from './server-session.js';
import type { Telemetry } from './telemetry.js';
import { verifyToken } from './token.js';


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
/** Most sessions told to the store in one refresh call. */
const REFRESH_BATCH = 1000;

/** What happened to a session while this node was claiming it (the store's events can overtake its answer). */
interface ClaimNews {
  /** Replaced or banned meanwhile: kicked right after its welcome. */
  kicked?: KickReason;
  /** Resumed on another node, or ended, meanwhile: told to reconnect right after its welcome. */
  goaway?: boolean;
}

/**
 * How often sessions heard are told to the store: a quarter of the
 * shortest presence deadline, at most once a second, so a refresh always
 * lands well before another node could take a live session for dead.
 */
export function refreshIntervalMs(presenceGraceMs: number, unreachableMs: number): number {
  return Math.max(100, Math.min(1000, Math.round(Math.min(presenceGraceMs, unreachableMs) / 4)));
}

/** Random bytes for session ids, filled 512 ids at a time: one OpenSSL call per 512 logins instead of one each. */
const ID_BYTES = 12;
const idPool = Buffer.alloc(ID_BYTES * 512);
let idAt = idPool.length;

/** A new session id: 96 random bits, base64url. */
function sessionId(): string {
  if (idAt === idPool.length) {
    randomFillSync(idPool);
    idAt = 0;
  }
  idAt += ID_BYTES;
  return idPool.toString('base64url', idAt - ID_BYTES, idAt);
}

export class SessionRegistry {
  readonly fanout = new Fanout();
  private readonly sessions = new Map<string, ServerSession>();
  private readonly users = new Map<string, ServerSession>();
  /** Session ids being claimed now (the new id and the one resumed), with what the store said of them meanwhile. */
  private readonly claiming = new Map<string, ClaimNews>();
  /** Sessions heard since the last refresh. */
  private heardSince = new Set<ServerSession>();
  private lastRefreshAt: number;
  private readonly refreshEveryMs: number;
  private readonly lease: Lease;
  private readonly logins: RateLimiter;
  private readonly limiters: Record<LimitedOp, RateLimiter>;
  private readonly presence: ExpiryWheel<ServerSession>;
  private readonly stopListening: () => void;

  constructor(private readonly options: SessionRegistryOptions) {
    const now = options.clock.monotonic();
    this.lastRefreshAt = now;
    const unreachableMs = Math.min(options.unreachableMs, options.presenceGraceMs);
    this.refreshEveryMs = refreshIntervalMs(options.presenceGraceMs, unreachableMs);
    // Another node reports UNREACHABLE for this one only if it went quiet: a frame reaches the store up
    // to a refresh interval (and a tick) after it arrived, so two intervals late, never early.
    this.lease = { graceMs: options.presenceGraceMs, unreachableMs: unreachableMs + 2 * this.refreshEveryMs };
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

    const fresh = sessionId();
    const news: ClaimNews = {};
    const ids = resume === undefined ? [fresh] : [fresh, resume];
    for (const id of ids) this.claiming.set(id, news);
    try {
      const claim = await this.store.claim(appId, uid, fresh, resume, this.lease);
      if (claim.outcome === 'banned') return { ok: false, code: ErrorCode.NotAuthorized, message: 'uid is banned' };
      if (claim.outcome === 'superseded') return { ok: false, kicked: KickReason.RemoteLogin };
      const now = this.options.clock.monotonic();
      let session: ServerSession;
      if (claim.outcome === 'resumed') {
        const id = resume!;
        const held = this.sessions.get(id);
        if (held && held.uid === uid && held.appId === appId) {
          session = held;
        } else {
          // Held by another node, or by one that is gone: rebuild it here from the store. Its
          // events are lost, so the client reconciles; new ones are numbered after those it saw.
          session = this.adopt(new ServerSession(id, appId, uid, now, check.expiresAt));
          session.events.markLost(request.seq ?? 0);
          for (const channel of await this.store.channelsOf(appId, uid, id)) this.fanout.joined(session, channel);
        }
        session.lastFrameAt = now;
        session.tokenExpiresAt = check.expiresAt;
        session.status = PeerStatus.Online;
      } else {
        session = this.adopt(new ServerSession(fresh, appId, uid, now, check.expiresAt));
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
    setImmediate(() => {
      if (!session.live) return;
      if (news.kicked !== undefined) this.kick(session, news.kicked);
      else this.sendAway(session);
    });
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
    this.heardSince.add(session);
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

  /** Moves the presence clock and, once per refresh interval, tells the store who was heard; called by one server-wide timer. */
  tick(): void {
    const now = this.options.clock.monotonic();
    this.presence.advance(now);
    if (now - this.lastRefreshAt >= this.refreshEveryMs) this.refresh(now);
  }

  /** One batched store call for the sessions heard since the last one (none per frame). */
  private refresh(now: number): void {
    this.lastRefreshAt = now;
    if (this.heardSince.size === 0) return;
    const heard: Heard[] = [];
    for (const session of this.heardSince) {
      if (session.live) heard.push({ appId: session.appId, uid: session.uid, session: session.id, agoMs: Math.max(0, now - session.lastFrameAt) });
    }
    this.heardSince = new Set();
    for (let i = 0; i < heard.length; i += REFRESH_BATCH) this.report(this.store.refresh(heard.slice(i, i + REFRESH_BATCH)));
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
    switch (event.type) {
      case 'member':
      case 'status':
        return this.fanout.deliver(event);
      case 'kick': {
        const news = this.claiming.get(event.session);
        if (news) news.kicked = event.reason;
        const session = this.sessions.get(event.session);
        if (session) this.kick(session, event.reason);
        return;
      }
      case 'ended': {
        const news = this.claiming.get(event.session);
        if (news) news.goaway = true;
        // This node forgets the sessions it ends itself; one still held here was ended by another
        // node: its presence deadline passed (another node's sweep got there first) or, if this
        // node heard it within the grace, this node was cut off from the store for longer.
        const session = this.sessions.get(event.session);
        if (!session) return;
        if (event.reason === EndReason.Expired) this.options.telemetry.expired();
        if (this.options.clock.monotonic() - session.lastFrameAt < this.options.presenceGraceMs) {
          // The client is there: it reconnects at once and starts a new session, as after any expiry.
          this.sendAway(session);
        } else {
          this.forget(session);
          session.peer?.terminate();
        }
        return;
      }
      case 'moved': {
        if (event.node === this.store.node) return;
        const news = this.claiming.get(event.session);
        if (news) news.goaway = true;
        // Resumed on another node: this copy goes silently; its socket, if any, is a dead link.
        const session = this.sessions.get(event.session);
        if (!session) return;
        this.forget(session);
        session.peer?.terminate();
        return;
      }
      case 'resync':
        return this.resync(event.appId);
    }
  }

  /** Ends the session here with a `kicked` frame (the client goes ABORTED). */
  private kick(session: ServerSession, reason: KickReason): void {
    this.forget(session);
    this.options.telemetry.kicked(reason);
    session.peer?.send({ t: 'kicked', reason });
    session.peer?.close(CloseCode.Kicked, reason);
  }

  /** Drops the session here and tells its client to reconnect at once (it resumes or starts over, on any node). */
  private sendAway(session: ServerSession): void {
    this.forget(session);
    session.peer?.send({ t: 'goaway' });
    session.peer?.close(CloseCode.ServiceRestart, 'session moved');
  }

  /**
   * Events of the app may have been lost: every session of it here is
   * resumed with `gap: true`, so its client reconciles (asks for its
   * channels and peers again and emits just the differences). Attached
   * clients are told to reconnect at once (`goaway`), which they do within
   * half a second and without a state change.
   */
  private resync(appId: string): void {
    for (const session of [...this.sessions.values()]) {
      if (session.appId !== appId) continue;
      session.events.markLost();
      const peer = session.peer;
      if (!peer) continue;
      session.peer = undefined;
      peer.send({ t: 'goaway' });
      peer.close(CloseCode.ServiceRestart, 'resync');
    }
  }

  private report(work: Promise<unknown>): void {
    work.catch(this.options.onError);
  }
}

function userKey(appId: string, uid: string): string {
  return `${appId}\n${uid}`;
}
