/**
 * A client-side rate limit (BEHAVIOUR §5): at most `limit` calls in any window
 * of `windowMs`, on the client's scheduler clock, as an {@link RtmError}.
 *
 * Exact rather than estimated (a {@link SlidingWindow}): a client makes few
 * such calls, so keeping the times of the last `limit` of them is cheap,
 * and the answer is the one a reader of the SPEC expects at every instant.
 * Refused calls are not counted, so a caller that backs off is not
 * punished for asking. A function rather than a class: the browser bundle
 * is counted, and a closure is the smaller of the two.
 */
import { ErrorCode } from '../protocol/error-code.js';
import type { RateLimit } from '../protocol/limits.js';
import { RtmError } from '../protocol/rtm-error.js';
import { SlidingWindow } from '../protocol/sliding-window.js';

/** Counts a call and returns nothing, or refuses it with TOO_OFTEN and counts nothing. */
export type RateWindow = () => RtmError | undefined;

/** A {@link RateWindow} of `rate`; `what` names the calls in the error, e.g. `channel joins`. */
export function rateWindow(rate: RateLimit, what: string, now: () => number): RateWindow {
  const window = new SlidingWindow(rate);
  return () =>
    window.take(now())
      ? undefined
      : new RtmError(ErrorCode.TooOften, `more than ${rate.limit} ${what} in ${rate.windowMs} ms`);
}
