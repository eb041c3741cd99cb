/**
 * The server's heartbeat: every session whose login asked for one is pinged
 * every `hb` ms from the node's one ticker, and its client answers `pong`
 * from its message handler. So a client's liveness (and its presence here)
 * rides on network events, which a background tab still gets at once, and
 * never on the client's own timers, which a browser throttles to once a
 * minute.
 *
 * Sessions sit in rings, one per interval: a ring has a slot per tick of
 * the interval, and a session stays in the slot it was given (round-robin,
 * so a ring's sessions spread evenly over its ticks). A tick pings one slot
 * per ring with a constant text: no timer, closure or reordering per
 * session, and no burst of every session at once.
 */
import type { ServerSession } from './server-session.js';

/** The server's ping: always this text, encoded once. */
export const PING = '{"t":"ping"}';

interface Ring {
  readonly slots: Set<ServerSession>[];
  /** The slot the next session gets. */
  next: number;
}

export class PingWheel {
  private readonly rings = new Map<number, Ring>();
  /** The last tick handled (monotonic ms / tickMs). */
  private cursor: number;

  /**
   * @param tickMs how often {@link tick} is called, ms: the granularity of intervals
   * @param range the intervals a client may ask for, ms
   */
  constructor(
    readonly tickMs: number,
    private readonly range: { readonly minMs: number; readonly maxMs: number },
    now: number,
  ) {
    this.cursor = Math.floor(now / tickMs);
  }

  /** The interval the server uses for one asked for: within the range, a whole number of ticks. */
  intervalFor(askedMs: number): number {
    const clamped = Math.min(this.range.maxMs, Math.max(this.range.minMs, askedMs));
    return Math.max(1, Math.round(clamped / this.tickMs)) * this.tickMs;
  }

  /** Pings the session every `intervalMs` (from {@link intervalFor}) from now on, instead of as before. */
  add(session: ServerSession, intervalMs: number): void {
    this.delete(session);
    const ticks = intervalMs / this.tickMs;
    let ring = this.rings.get(ticks);
    if (!ring) this.rings.set(ticks, (ring = { slots: Array.from({ length: ticks }, () => new Set()), next: 0 }));
    const slot = ring.next;
    ring.next = (slot + 1) % ticks;
    ring.slots[slot].add(session);
    session.pingSlot = ring.slots[slot];
  }

  delete(session: ServerSession): void {
    session.pingSlot?.delete(session);
    session.pingSlot = undefined;
  }

  /**
   * Pings the slots due since the last tick. A late tick catches up, but
   * pings each session at most once: a stalled server sends no burst.
   */
  tick(now: number): void {
    const last = Math.floor(now / this.tickMs);
    for (const ring of this.rings.values()) {
      const from = Math.max(this.cursor + 1, last - ring.slots.length + 1);
      for (let at = from; at <= last; at++) {
        for (const session of ring.slots[at % ring.slots.length]) session.peer?.sendText(PING);
      }
    }
    this.cursor = Math.max(this.cursor, last);
  }
}
