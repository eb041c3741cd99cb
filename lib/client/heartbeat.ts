/**
 * Is the link alive? A pure function of the frames heard, and when, and of
 * the time now. The server pings every heartbeat interval H and the client
 * answers from its message handler, so "last heard" moves with network
 * events, which a throttled background tab still gets at once; the client's
 * own timers only check, and a check that fires late (a throttled page, a
 * slow Node event loop, a laptop waking) judges by elapsed time since the
 * last frame, never by counting ticks.
 *
 * With S = last heard + H + A (A: the allowance for a ping's lateness):
 *
 * | heartbeat | input             | becomes                                  | verdict |
 * |-----------|-------------------|------------------------------------------|---------|
 * | down      | frame heard at t  | up, last heard t                         | LINK_RESTORED |
 * | up        | frame heard at t  | last heard t; a ping's lateness a sample | —       |
 * | up        | now t ≥ S         | down since S, dead at S + T              | LINK_DOWN (since S) |
 * | down      | now t ≥ S + T     | —                                        | DEAD (late if judged after S + A) |
 * | anything else | now t         | —                                        | —       |
 *
 * Down "since" S: the next ping was due by then, so the link was up until
 * then at the latest, and RECONNECTING (at S + threshold T) never comes
 * sooner than T after the link really went dark, nor later than T + H + A
 * for a page whose timers run. A check that runs late (the page ran no
 * timers: throttled, frozen, asleep) may find S + T passed already: the
 * link is dead at once, and DEAD says it was judged late, so the link
 * reconnects without a backoff.
 */

/** Short names: they survive minification, and the client's bundle is counted. */
export interface HeartbeatTiming {
  /** The server's ping period, H. */
  readonly intervalMs: number;
  /** How long the link may stay down before it is given up (the attempt ends), T. */
  readonly thresholdMs: number;
}

export interface Heartbeat {
  /** When the last frame was heard (at first, the welcome). */
  readonly lastHeardAt: number;
  /** When the last server ping was heard, for the lateness of the next. */
  readonly lastPingAt?: number;
  /** Smoothed lateness of server pings beyond H, ms (their arrival jitter). */
  readonly smoothedLatenessMs?: number;
  /** While the link is down: since when, when it is given up, and whether it was judged late. */
  readonly down?: { readonly since: number; readonly deadAt: number; readonly late: boolean };
}

export type HeartbeatInput =
  /** Any frame from the server; `ping` when it is the server's heartbeat. */
  | { readonly type: 'HEARD'; readonly at: number; readonly ping: boolean }
  /** A check, or a wake-up of the page (visible again, resumed, online). */
  | { readonly type: 'NOW'; readonly at: number };

/** Down and restored are what the link reports as they are; dead ends the socket (`late`: judged on waking). */
export type HeartbeatVerdict =
  | { readonly type: 'LINK_DOWN'; readonly since: number }
  | { readonly type: 'LINK_RESTORED' }
  | { readonly type: 'DEAD'; readonly late: boolean };

export interface HeartbeatStep {
  readonly heartbeat: Heartbeat;
  readonly verdict?: HeartbeatVerdict;
}

/** Shortest allowance for a ping's lateness, ms: the server's 100 ms tick plus scheduling slack. */
export const MIN_ALLOWANCE_MS = 250;
/** A ping this many smoothed latenesses late is suspect: jitter rarely triples. */
export const ALLOWANCE_LATENESSES = 3;
/** Weight of a new sample in the smoothed lateness (TCP's 1/8, RFC 6298). */
export const LATENESS_GAIN = 1 / 8;

/** How late the next ping may be, A: a few smoothed latenesses, within [250 ms, H]. */
export function allowance(h: Heartbeat, t: HeartbeatTiming): number {
  const jitter = ALLOWANCE_LATENESSES * (h.smoothedLatenessMs ?? 0);
  return Math.min(t.intervalMs, Math.max(MIN_ALLOWANCE_MS, jitter));
}

/** The heartbeat of a link just logged in at `at`. */
export function initialHeartbeat(at: number): Heartbeat {
  return { lastHeardAt: at };
}

export function heartbeat(h: Heartbeat, input: HeartbeatInput, t: HeartbeatTiming): HeartbeatStep {
  const at = input.at;
  if (input.type === 'HEARD') {
    // Ping spacing measures jitter only while the link is up; across an outage it measures the outage.
    const sample =
      input.ping && h.lastPingAt !== undefined && !h.down ? Math.max(0, at - h.lastPingAt - t.intervalMs) : undefined;
    const smoothedLatenessMs =
      sample === undefined
        ? h.smoothedLatenessMs
        : h.smoothedLatenessMs === undefined
          ? sample
          : h.smoothedLatenessMs * (1 - LATENESS_GAIN) + sample * LATENESS_GAIN;
    const next: Heartbeat = {
      lastHeardAt: at,
      lastPingAt: input.ping ? at : h.lastPingAt,
      smoothedLatenessMs,
    };
    return h.down ? { heartbeat: next, verdict: { type: 'LINK_RESTORED' } } : { heartbeat: next };
  }
  if (h.down)
    return at >= h.down.deadAt ? { heartbeat: h, verdict: { type: 'DEAD', late: h.down.late } } : { heartbeat: h };
  const a = allowance(h, t);
  const since = h.lastHeardAt + t.intervalMs + a;
  if (at < since) return { heartbeat: h };
  const down = { since, deadAt: since + t.thresholdMs, late: at - since > a };
  return { heartbeat: { ...h, down }, verdict: { type: 'LINK_DOWN', since } };
}

/** When a "now" can next change the verdict. */
export function nextCheck(h: Heartbeat, t: HeartbeatTiming): number {
  if (h.down) return h.down.deadAt;
  return h.lastHeardAt + t.intervalMs + allowance(h, t);
}
