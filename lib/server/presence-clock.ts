/**
 * The presence clock of one node: every live session's next presence
 * deadline on one wheel, and the sessions heard since the last refresh,
 * told to the store in one batch per refresh interval so other nodes know
 * they are alive (a cluster store needs it; see docs/CLUSTER.md). A frame
 * costs a set insertion here, never a store call or a timer.
 */
import type { Heard, Lease, PresenceStore } from '../store/presence-store.js';
import { ExpiryWheel } from './expiry-wheel.js';
import type { ServerSession } from './server-session.js';
import { presenceDeadline, type PresenceTimes } from './session-life.js';

const WHEEL_TICK_MS = 100;
/** Most sessions told to the store in one refresh call. */
const REFRESH_BATCH = 1000;

/**
 * How often sessions heard are told to the store: a quarter of the
 * shortest presence deadline, at most once a second, so a refresh always
 * lands well before another node could take a live session for dead.
 */
export function refreshIntervalMs(presenceGraceMs: number, unreachableMs: number): number {
  return Math.max(100, Math.min(1000, Math.round(Math.min(presenceGraceMs, unreachableMs) / 4)));
}

export class PresenceClock {
  /** How long other nodes wait for this one before acting for its sessions. */
  readonly lease: Lease;
  private readonly wheel: ExpiryWheel<ServerSession>;
  private readonly refreshEveryMs: number;
  private lastRefreshAt: number;
  /** Sessions heard since the last refresh. */
  private heardSince = new Set<ServerSession>();

  /**
   * @param silent called when a session's deadline passed with no frame; it
   *   files the session again itself if it stays
   * @param report where a failed refresh goes
   */
  constructor(
    readonly times: PresenceTimes,
    private readonly store: PresenceStore,
    silent: (session: ServerSession, now: number) => void,
    private readonly report: (work: Promise<unknown>) => void,
    now: number,
  ) {
    this.lastRefreshAt = now;
    this.refreshEveryMs = refreshIntervalMs(times.graceMs, times.unreachableMs);
    // Another node reports UNREACHABLE for this one only if it went quiet: a frame reaches the store up
    // to a refresh interval (and a tick) after it arrived, so two intervals late, never early.
    this.lease = { graceMs: times.graceMs, unreachableMs: times.unreachableMs + 2 * this.refreshEveryMs };
    this.wheel = new ExpiryWheel<ServerSession>(
      WHEEL_TICK_MS,
      (session) => presenceDeadline(session, times),
      (session, at) => {
        silent(session, at);
        return false;
      },
      now,
    );
  }

  /** Files the session by its current deadline (again, if it was filed). */
  schedule(session: ServerSession): void {
    this.wheel.schedule(session);
  }

  /**
   * A frame arrived (the session's `lastFrameAt` is already set). Noted for
   * the next refresh only if other nodes read it: a store of one node has
   * nobody to tell, and a note per heartbeat of every session is what this
   * would otherwise cost it.
   */
  heard(session: ServerSession): void {
    if (this.store.shared) this.heardSince.add(session);
  }

  /** The session left this node: no deadline for it any more. */
  forget(session: ServerSession): void {
    this.wheel.delete(session);
  }

  /** Handles the deadlines passed and, once per refresh interval, tells the store who was heard. */
  tick(now: number): void {
    this.wheel.advance(now);
    if (now - this.lastRefreshAt >= this.refreshEveryMs) this.refresh(now);
  }

  /** One batched store call for the sessions heard since the last one (none per frame). */
  private refresh(now: number): void {
    this.lastRefreshAt = now;
    if (this.heardSince.size === 0) return;
    const heard: Heard[] = [];
    for (const session of this.heardSince) {
      if (session.live)
        heard.push({
          appId: session.appId,
          uid: session.uid,
          session: session.id,
          agoMs: Math.max(0, now - session.lastFrameAt),
        });
    }
    this.heardSince = new Set();
    for (let i = 0; i < heard.length; i += REFRESH_BATCH)
      this.report(this.store.refresh(heard.slice(i, i + REFRESH_BATCH)));
  }
}
