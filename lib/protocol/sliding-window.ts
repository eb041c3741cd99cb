/**
 * An exact sliding-window rate limit: at most `limit` uses in any window of
 * `windowMs`. Client and server both count messages with it (BEHAVIOUR §7), so
 * they agree to the millisecond on which send is the 181st.
 *
 * Exact rather than estimated: it keeps the times of the last `limit` uses,
 * and a use is free again exactly `windowMs` after the use it replaces.
 */
import type { RateLimit } from './limits.js';

export class SlidingWindow {
  /** Times of the uses still inside the window, oldest first; never more than `limit`. */
  readonly #times: number[] = [];

  readonly #rate: RateLimit;

  constructor(rate: RateLimit) {
    this.#rate = rate;
  }

  /** Counts a use at `now` and returns true, or returns false and counts nothing. */
  take(now: number): boolean {
    while (this.#times.length > 0 && this.#times[0] <= now - this.#rate.windowMs) this.#times.shift();
    if (this.#times.length >= this.#rate.limit) return false;
    this.#times.push(now);
    return true;
  }

  /** Uncounts the last use taken: it turned out to be refused, or a repeat of one counted before. */
  untake(): void {
    this.#times.pop();
  }
}
