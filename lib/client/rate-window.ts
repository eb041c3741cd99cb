/**
 * A client-side rate limit (BEHAVIOUR §5): at most `limit` calls in any window
 * of `windowMs`, on the client's scheduler clock, as an {@link RtmError}.
 *
 * Exact rather than estimated (a {@link SlidingWindow}): a client makes few
 * such calls, so keeping the times of the last `limit` of them is cheap,
 * and the answer is the one a reader of the SPEC expects at every instant.
 * Refused calls are not counted, so a caller that backs off is not
 * punished for asking.
 */
import { ErrorCode } from '../protocol/error-code.js';
import type { RateLimit } from '../protocol/limits.js';
import { RtmError } from '../protocol/rtm-error.js';
import { SlidingWindow } from '../protocol/sliding-window.js';

export class RateWindow {
  readonly #window: SlidingWindow;
  readonly #rate: RateLimit;
  readonly #what: string;
  readonly #now: () => number;

  /** `what` names the calls in the error, e.g. `channel joins`. */
  constructor(rate: RateLimit, what: string, now: () => number) {
    this.#rate = rate;
    this.#what = what;
    this.#now = now;
    this.#window = new SlidingWindow(rate);
  }

  /** Counts a call and returns nothing, or refuses it with TOO_OFTEN and counts nothing. */
  take(): RtmError | undefined {
    if (this.#window.take(this.#now())) return undefined;
    return new RtmError(ErrorCode.TooOften, `more than ${this.#rate.limit} ${this.#what} in ${this.#rate.windowMs} ms`);
  }
}
