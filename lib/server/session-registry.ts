/**
 * Who is logged in, per app: each uid's one live session, which socket (if
 * any) carries it, and when its presence runs out.
 *
 * A session outlives its socket by the presence grace (SPEC §4, 30 s from the
 * last frame received), so a client that comes back in time resumes it. A
 * second login of a uid replaces the live session and kicks its instance
 * (REMOTE_LOGIN); the replaced ids are remembered on the new session, so the
 * old instance, if it was away when kicked, is told so when it tries to
 * resume, instead of taking the uid back (which would ping-pong).
 */
import { randomBytes } from 'node:crypto';
import { CloseCode } from '../protocol/close-code.js';
import { ErrorCode } from '../protocol/error-code.js';
import { KickReason } from '../protocol/frames.js';
import { nameProblem } from '../protocol/names.js';
import { ExpiryWheel } from './expiry-wheel.js';
import type { Peer } from './peer.js';
import { RateLimiter } from './rate-limiter.js';
import { verifyToken } from './token.js';

/** Clocks the registry reads: monotonic for presence, wall for token expiry. */
export interface ServerClock {
  monotonic(): number;
  wall(): number;
}

export interface Session {
  readonly id: string;
  readonly appId: string;
  readonly uid: string;
  peer: Peer | undefined;
  /** Monotonic time of the last frame received from the session. */
  lastFrameAt: number;
  tokenExpiresAt: number;
  /** Sessions of this uid that this one replaced, newest first (bounded). */
  replaced: readonly string[];
}

export interface LoginRequest {
  appId: string;
  uid: string;
  token: string;
  resume: string | undefined;
}

export type LoginOutcome =
  | { ok: true; session: Session; resumed: boolean }
  | { ok: false; code: ErrorCode; message: string }
  | { ok: false; kicked: KickReason };

export interface SessionRegistryOptions {
  /** App id to app secret. */
  apps: ReadonlyMap<string, string>;
  presenceGraceMs: number;
  clock: ServerClock;
}

const LOGINS_PER_SECOND = 2;
const RENEWS_PER_SECOND = 2;
const REPLACED_KEPT = 8;
const WHEEL_TICK_MS = 100;

export class SessionRegistry {
  private readonly users = new Map<string, Map<string, Session>>();
  private readonly banned = new Set<string>();
  private readonly logins: RateLimiter;
  private readonly renewals: RateLimiter;
  private readonly presence: ExpiryWheel<Session>;

  constructor(private readonly options: SessionRegistryOptions) {
    const now = options.clock.monotonic();
    this.logins = new RateLimiter(LOGINS_PER_SECOND, 1000, now);
    this.renewals = new RateLimiter(RENEWS_PER_SECOND, 1000, now);
    this.presence = new ExpiryWheel<Session>(
      WHEEL_TICK_MS,
      (session) => session.lastFrameAt + options.presenceGraceMs,
      (session) => {
        this.end(session, () => session.peer?.terminate());
        return false;
      },
      now,
    );
  }

  /** Live sessions, attached or within their grace. */
  get size(): number {
    return this.presence.size;
  }

  /** Checks a login and, if it passes, binds `peer` to a new or resumed session. */
  login(peer: Peer, request: LoginRequest): LoginOutcome {
    const { appId, uid, token, resume } = request;
    const secret = this.options.apps.get(appId);
    if (secret === undefined) return { ok: false, code: ErrorCode.InvalidAppId, message: `unknown app id` };
    const problem = nameProblem(uid);
    if (problem) return { ok: false, code: ErrorCode.InvalidArgument, message: `uid ${problem}` };
    const now = this.options.clock.monotonic();
    if (!this.logins.take(`${appId}\n${uid}`, now)) {
      return { ok: false, code: ErrorCode.TooOften, message: `more than ${LOGINS_PER_SECOND} logins a second` };
    }
    const check = verifyToken(token, appId, uid, secret, this.options.clock.wall());
    if (!check.ok) return { ok: false, code: check.code, message: check.code === ErrorCode.TokenExpired ? 'token expired' : 'token invalid' };
    if (this.banned.has(`${appId}\n${uid}`)) return { ok: false, code: ErrorCode.NotAuthorized, message: 'uid is banned' };

    const current = this.usersOf(appId).get(uid);
    if (current && resume === current.id) {
      const stale = current.peer;
      current.peer = peer;
      current.lastFrameAt = now;
      current.tokenExpiresAt = check.expiresAt;
      this.presence.schedule(current);
      // The same instance came back on a new socket; the old one is a dead link.
      if (stale && stale !== peer) stale.terminate();
      return { ok: true, session: current, resumed: true };
    }
    if (current && resume !== undefined && current.replaced.includes(resume)) {
      return { ok: false, kicked: KickReason.RemoteLogin };
    }
    const session: Session = {
      id: randomBytes(12).toString('base64url'),
      appId,
      uid,
      peer,
      lastFrameAt: now,
      tokenExpiresAt: check.expiresAt,
      replaced: current ? [current.id, ...current.replaced].slice(0, REPLACED_KEPT) : [],
    };
    if (current) this.kick(current, KickReason.RemoteLogin);
    this.usersOf(appId).set(uid, session);
    this.presence.schedule(session);
    return { ok: true, session, resumed: false };
  }

  /** Notes that a frame arrived: the only per-frame work presence needs. */
  heard(session: Session): void {
    session.lastFrameAt = this.options.clock.monotonic();
  }

  /** The session's socket is gone; the session waits out its grace for a resume. */
  detach(session: Session, peer: Peer): void {
    if (session.peer === peer) session.peer = undefined;
  }

  /** Replaces the session's token; the answer is an error code or the new expiry. */
  renew(session: Session, token: string): { ok: true; expiresAt: number } | { ok: false; code: ErrorCode } {
    if (!this.renewals.take(session.id, this.options.clock.monotonic())) return { ok: false, code: ErrorCode.TooOften };
    const secret = this.options.apps.get(session.appId)!;
    const check = verifyToken(token, session.appId, session.uid, secret, this.options.clock.wall());
    if (!check.ok) return check;
    session.tokenExpiresAt = check.expiresAt;
    return { ok: true, expiresAt: check.expiresAt };
  }

  /** Ends the session now (logout): it cannot be resumed. */
  logout(session: Session): void {
    this.end(session, () => session.peer?.close(CloseCode.Normal, 'logged out'));
  }

  /** Operator action: ends the uid's session (BANNED_BY_SERVER) and refuses its logins until {@link unban}. */
  ban(appId: string, uid: string): void {
    this.banned.add(`${appId}\n${uid}`);
    const session = this.users.get(appId)?.get(uid);
    if (session) this.kick(session, KickReason.BannedByServer);
  }

  unban(appId: string, uid: string): void {
    this.banned.delete(`${appId}\n${uid}`);
  }

  /** Expires every session whose grace has run out; called by one server-wide timer. */
  tick(): void {
    this.presence.advance(this.options.clock.monotonic());
  }

  /** Every attached peer, for a shutdown notice. */
  *peers(): Iterable<Peer> {
    for (const sessions of this.users.values()) for (const session of sessions.values()) if (session.peer) yield session.peer;
  }

  isLive(session: Session): boolean {
    return this.users.get(session.appId)?.get(session.uid) === session;
  }

  private kick(session: Session, reason: KickReason): void {
    this.end(session, () => {
      session.peer?.send({ t: 'kicked', reason });
      session.peer?.close(CloseCode.Kicked, reason);
    });
  }

  private end(session: Session, farewell: () => void): void {
    if (!this.isLive(session)) return;
    const sessions = this.users.get(session.appId)!;
    sessions.delete(session.uid);
    if (sessions.size === 0) this.users.delete(session.appId);
    this.presence.delete(session);
    farewell();
    session.peer = undefined;
  }

  private usersOf(appId: string): Map<string, Session> {
    let sessions = this.users.get(appId);
    if (!sessions) this.users.set(appId, (sessions = new Map()));
    return sessions;
  }
}
