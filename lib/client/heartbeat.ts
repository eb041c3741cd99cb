/**
 * Is the link alive? A pure function of what happened and when: pings
 * sent, frames heard, and the time now. Every input carries its time (the
 * scheduler's `now()`), so silence is judged by elapsed time, never by
 * counting ticks: a check that a throttled page runs late judges by how
 * long it has really been, and a page that sent no ping for a minute has
 * tested nothing and declares nothing.
 *
 * | heartbeat                           | input          | becomes                                   | verdict  |
 * |-------------------------------------|----------------|-------------------------------------------|----------|
 * | any                                 | ping sent at t | last ping t; awaiting since t if it was not | —      |
 * | down                                | frame heard    | up, awaiting nothing                      | LINK_RESTORED |
 * | up                                  | frame heard    | awaiting nothing; a pong is an RTT sample | —        |
 * | up, awaited ≥ pong allowance        | now t          | down since t                         | LINK_DOWN (since t) |
 * | down for ≥ the interruption threshold | now t        | —                                         | DEAD     |
 * | anything else                       | now t          | —                                         | —        |
 *
 * Down "since t": the pong may have been lost on its way back, so the link
 * was up until the check at the latest. {@link nextCheck} says when the
 * next "now" can change anything.
 */

export interface HeartbeatTiming {
  /** Ping period; the longest a pong may take before the link is suspected. */
  readonly heartbeatIntervalMs: number;
  /** How long the link may stay down before it is given up (the attempt ends). */
  readonly interruptionThresholdMs: number;
}

export interface Heartbeat {
  /** When the oldest ping not yet followed by any frame went out; undefined while nothing is awaited. */
  readonly awaitingSince?: number;
  /** When the last ping went out, for the round-trip time of the next pong. */
  readonly lastPingAt?: number;
  /** Smoothed round-trip time of pongs, ms. */
  readonly smoothedRttMs?: number;
  /** When the link was judged down; undefined while it is up. */
  readonly linkDownSince?: number;
}

export type HeartbeatInput =
  | { readonly type: 'PING_SENT'; readonly at: number }
  /** Any frame from the server; `pong` when it answers a ping. */
  | { readonly type: 'HEARD'; readonly at: number; readonly pong: boolean }
  | { readonly type: 'NOW'; readonly at: number };

/** Down and restored are what the link reports as they are; dead ends the socket. */
export type HeartbeatVerdict =
  | { readonly type: 'LINK_DOWN'; readonly since: number }
  | { readonly type: 'LINK_RESTORED' }
  | { readonly type: 'DEAD' };

export interface HeartbeatStep {
  readonly heartbeat: Heartbeat;
  readonly verdict?: HeartbeatVerdict;
}

/**
 * Shortest time a pong may take before the link is suspected, ms:
 * a fast network's RTT would make hair-trigger checks.
 */
export const MIN_PONG_ALLOWANCE_MS = 100;
/** A pong this many smoothed RTTs late is suspect: jitter rarely triples a round trip. */
export const PONG_ALLOWANCE_RTTS = 3;
/** Weight of a new RTT sample in the smoothed RTT (TCP's 1/8, RFC 6298). */
export const RTT_GAIN = 1 / 8;

/** How long the awaited pong may take: a few RTTs, within [100 ms, the ping period]. */
export function pongAllowance(h: Heartbeat, t: HeartbeatTiming): number {
  return Math.min(t.heartbeatIntervalMs, Math.max(MIN_PONG_ALLOWANCE_MS, PONG_ALLOWANCE_RTTS * (h.smoothedRttMs ?? 0)));
}

export function heartbeat(h: Heartbeat, input: HeartbeatInput, t: HeartbeatTiming): HeartbeatStep {
  switch (input.type) {
    case 'PING_SENT':
      return { heartbeat: { ...h, lastPingAt: input.at, awaitingSince: h.awaitingSince ?? input.at } };
    case 'HEARD': {
      const sample = input.pong && h.lastPingAt !== undefined ? input.at - h.lastPingAt : undefined;
      const smoothedRttMs =
        sample === undefined
          ? h.smoothedRttMs
          : h.smoothedRttMs === undefined
            ? sample
            : h.smoothedRttMs * (1 - RTT_GAIN) + sample * RTT_GAIN;
      const next = { ...h, awaitingSince: undefined, linkDownSince: undefined, smoothedRttMs };
      return h.linkDownSince === undefined
        ? { heartbeat: next }
        : { heartbeat: next, verdict: { type: 'LINK_RESTORED' } };
    }
    case 'NOW':
      if (h.linkDownSince !== undefined)
        return input.at - h.linkDownSince >= t.interruptionThresholdMs
          ? { heartbeat: h, verdict: { type: 'DEAD' } }
          : { heartbeat: h };
      if (h.awaitingSince !== undefined && input.at - h.awaitingSince >= pongAllowance(h, t)) {
        return { heartbeat: { ...h, linkDownSince: input.at }, verdict: { type: 'LINK_DOWN', since: input.at } };
      }
      return { heartbeat: h };
  }
}

/** When a "now" can next change the verdict; undefined while nothing is awaited. */
export function nextCheck(h: Heartbeat, t: HeartbeatTiming): number | undefined {
  if (h.linkDownSince !== undefined) return h.linkDownSince + t.interruptionThresholdMs;
  if (h.awaitingSince !== undefined) return h.awaitingSince + pongAllowance(h, t);
  return undefined;
}
