/**
 * Reconnection delays: exponential, jittered, bounded, never giving up.
 *
 * Attempt n waits a uniformly random time between the floor and
 * `min(max, floor · 2^(n+1))` ("full jitter" above a floor). The jitter
 * spreads the clients of a restarted server over time instead of bringing
 * them back in one herd; the floor keeps even the luckiest client from
 * hammering; the cap bounds how long a client lingers after the network
 * returns.
 */

/** A source of uniform numbers in [0, 1); inject a seeded one to replay a run. */
export type RandomSource = () => number;

export interface BackoffBounds {
  /** Shortest wait before a reconnect attempt, ms. */
  readonly minDelayMs: number;
  /** Longest wait before a reconnect attempt, ms. */
  readonly maxDelayMs: number;
}

/** The wait before the next attempt after `failures` attempts failed in a row. */
export function backoffDelay(
  failures: number,
  { minDelayMs, maxDelayMs }: BackoffBounds,
  random: RandomSource,
): number {
  const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(failures + 1, 52));
  return Math.round(minDelayMs + random() * (ceiling - minDelayMs));
}

/**
 * A small, fast, seedable generator (mulberry32) for reproducible jitter in
 * tests and soak runs; not for anything secret.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
