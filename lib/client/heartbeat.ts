/**
 * Is the link alive? A pure function of the frames heard, and when, and of
 * the time now. The server pings every heartbeat interval H and the client
 * answers from its message handler, so "last heard" moves with network
 * events, which a throttled background tab still gets at once; the client's
 * own timers only check, and a check that fires late (a throttled page, a
 * slow Node event loop, a laptop waking) judges by elapsed time since the
 * last frame, never by counting ticks.
 *
 * With S = last heard + H + A (A: the allowance for a ping's lateness,
 * 250 ms, or H if shorter) and T the interruption threshold:
 *
 * | heartbeat | input            | becomes          | verdict |
 * |-----------|------------------|------------------|---------|
 * | down      | frame heard at t | up, last heard t | LINK_RESTORED |
 * | up        | frame heard at t | last heard t     | —       |
 * | up        | now t ≥ S        | down since S     | LINK_DOWN (since S) |
 * | down      | now t ≥ S + T    | —                | DEAD (late if it was judged down at S + T or after) |
 * | anything else | now t        | —                | —       |
 *
 * Down "since" S: the next ping was due by then, so the link was up until
 * then at the latest, and RECONNECTING (at S + T) never comes sooner than
 * T after the link really went dark, nor later than T + H + A for a page
 * whose timers run. A check that runs late (the page ran no timers:
 * throttled, frozen, asleep) may find S + T passed already: the link is
 * dead at once, and DEAD says so (late), so the link reconnects without a
 * backoff.
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
  /** While the link is down: since when, and whether that was found only past the threshold. */
  readonly down?: { readonly since: number; readonly late: boolean };
}

export type HeartbeatInput =
  /** Any frame from the server. */
  | { readonly type: 'HEARD'; readonly at: number }
  /** A check, or a wake-up of the page (shown again, resumed, online). */
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

/**
 * How late a ping may come, ms, A: the server pings on its 100 ms tick, so
 * its pings come up to that much apart, plus its event loop's and the
 * network's slack. A ping later still only marks the link down until it
 * comes, which nobody sees: RECONNECTING waits the threshold more. (Fixed
 * rather than measured: the client's bundle is counted.)
 */
export const ALLOWANCE_MS = 250;

export function heartbeat(h: Heartbeat, input: HeartbeatInput, t: HeartbeatTiming): HeartbeatStep {
  const at = input.at;
  if (input.type === 'HEARD') {
    const next: Heartbeat = { lastHeardAt: at };
    return h.down ? { heartbeat: next, verdict: { type: 'LINK_RESTORED' } } : { heartbeat: next };
  }
  const since = nextCheck(h, t);
  if (at < since) return { heartbeat: h };
  if (h.down) return { heartbeat: h, verdict: { type: 'DEAD', late: h.down.late } };
  return {
    heartbeat: { ...h, down: { since, late: at >= since + t.thresholdMs } },
    verdict: { type: 'LINK_DOWN', since },
  };
}

/** When a "now" can next change the verdict: S while up, S + T while down. */
export function nextCheck(h: Heartbeat, t: HeartbeatTiming): number {
  return h.down ? h.down.since + t.thresholdMs : h.lastHeardAt + t.intervalMs + Math.min(t.intervalMs, ALLOWANCE_MS);
}
