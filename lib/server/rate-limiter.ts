/**
 * Per-key rate limits (BEHAVIOUR §5: logins 2/s, joins 50 per 3 s, …) with memory
 * bounded by the keys seen in the last two windows.
 *
 * A sliding-window estimate: the previous window's count, weighted by how
 * much of it still overlaps the sliding window, plus the current count. Two
 * maps are swapped as windows pass, so stale keys cost nothing to forget and
 * no per-key timer or sweep is needed.
 */
export class RateLimiter {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private windowStart: number;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    now: number,
  ) {
    this.windowStart = now;
  }

  /** Counts one use of `key` and says whether it stays within the limit; a refused use is not counted. */
  take(key: string, now: number): boolean {
    this.roll(now);
    const overlap = 1 - (now - this.windowStart) / this.windowMs;
    const used = (this.previous.get(key) ?? 0) * overlap + (this.current.get(key) ?? 0);
    if (used + 1 > this.limit + 1e-9) return false;
    this.current.set(key, (this.current.get(key) ?? 0) + 1);
    return true;
  }

  private roll(now: number): void {
    const elapsed = now - this.windowStart;
    if (elapsed < this.windowMs) return;
    const windows = Math.floor(elapsed / this.windowMs);
    this.previous = windows === 1 ? this.current : new Map<string, number>();
    this.current = new Map();
    this.windowStart += windows * this.windowMs;
  }
}
