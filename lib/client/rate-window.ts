/**
 * A client-side rate limit (SPEC §5): at most `limit` calls in any window
 * of `windowMs`, on the client's scheduler clock.
 *
 * Exact rather than estimated: a client makes few such calls, so keeping
 * the times of the last `limit` of them is cheap, and the answer is the
 * one a reader of the SPEC expects at every instant (a call is free again
 * exactly `windowMs` after the call it replaces). Refused calls are not
 * counted, so a caller that backs off is not punished for asking.
 */
import { ErrorCode } from '../protocol/error-code.js';
import type { RateLimit } from '../protocol/limits.js';
import { RtmError } from '../protocol/rtm-error.js';

export class RateWindow {
  /** Times of the calls still inside the window, oldest first; never more than `limit`. */
  private readonly calls: number[] = [];

  /** `what` names the calls in the error, e.g. `channel joins`. */
  constructor(
    private readonly rate: RateLimit,
    private readonly what: string,
    private readonly now: () => number,
  ) {}

  /** Counts a call and returns nothing, or refuses it with TOO_OFTEN and counts nothing. */
  take(): RtmError | undefined {
    const now = this.now();
    while (this.calls.length > 0 && this.calls[0] <= now - this.rate.windowMs) this.calls.shift();
    if (this.calls.length >= this.rate.limit) {
      return new RtmError(ErrorCode.TooOften, `more than ${this.rate.limit} ${this.what} in ${this.rate.windowMs} ms`);
    }
    this.calls.push(now);
    return undefined;
  }
}
