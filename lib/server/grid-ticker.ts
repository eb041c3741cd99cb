/**
 * The node's one ticker, on a fixed grid of the monotonic clock (BEHAVIOUR §3.4).
 *
 * `setInterval` re-arms from the moment its callback ran, so each tick comes
 * later than the last by the event loop's delay: the ping wheel, which pings
 * one slot per tick, then pings every session a little more than its interval
 * apart, and once the drift passes a whole tick, two slots in one burst.
 * Re-arming for the next multiple of the period keeps each slot's pings one
 * interval apart, late only by the loop's delay of that moment.
 */

/** The timer functions the ticker uses (Node's by default). */
export interface TickerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A running ticker; `stop` ends it. */
export interface Ticker {
  stop(): void;
}

const nodeTimers: TickerTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Calls `tick` once just after each multiple of `periodMs` of `monotonic()`
 * (a late one once, however late). A timer may fire early by the time the
 * loop's cached clock lagged when it was set: it then waits out the rest.
 */
export function startGridTicker(
  periodMs: number,
  monotonic: () => number,
  tick: () => void,
  timers: TickerTimers = nodeTimers,
): Ticker {
  let due = 0;
  let handle: unknown;
  let stopped = false;
  const arm = (now: number) => {
    handle = timers.setTimeout(fire, Math.max(1, Math.ceil(due - now)));
  };
  const fire = () => {
    if (stopped) return;
    const now = monotonic();
    if (now >= due) {
      tick();
      due = (Math.floor(now / periodMs) + 1) * periodMs;
    }
    arm(monotonic());
  };
  const now = monotonic();
  due = (Math.floor(now / periodMs) + 1) * periodMs;
  arm(now);
  return {
    stop() {
      stopped = true;
      timers.clearTimeout(handle);
    },
  };
}
