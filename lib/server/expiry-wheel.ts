/**
 * One timer for every deadline of the server: a hashed wheel of buckets
 * `tickMs` wide, read lazily.
 *
 * Frames move deadlines forward all the time (each heartbeat pushes a
 * session's presence deadline), so the wheel never reorders on a frame: the
 * owner just updates the item, and when the item's old bucket comes due the
 * wheel asks `dueOf` again and re-files it if it has moved on. A heartbeat
 * costs nothing here; each item is looked at about once per deadline span
 * rather than once per frame, and no timer or scan is kept per session.
 */
export class ExpiryWheel<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly slotOf = new Map<T, number>();
  private cursor: number;

  /**
   * @param dueOf the item's current deadline (same clock as `advance`)
   * @param onDue called when the deadline has passed; returns `true` to keep
   *   the item (its `dueOf` must then have moved on) or `false` to drop it
   */
  constructor(
    private readonly tickMs: number,
    private readonly dueOf: (item: T) => number,
    private readonly onDue: (item: T, now: number) => boolean,
    now: number,
  ) {
    this.cursor = Math.floor(now / tickMs);
  }

  get size(): number {
    return this.slotOf.size;
  }

  has(item: T): boolean {
    return this.slotOf.has(item);
  }

  /** Files `item` by its current `dueOf`; moves it if it was filed already. */
  schedule(item: T): void {
    this.delete(item);
    // Never file behind the cursor: a bucket already passed is never read again.
    const slot = Math.max(Math.floor(this.dueOf(item) / this.tickMs), this.cursor);
    let bucket = this.buckets.get(slot);
    if (!bucket) this.buckets.set(slot, (bucket = new Set()));
    bucket.add(item);
    this.slotOf.set(item, slot);
  }

  delete(item: T): void {
    const slot = this.slotOf.get(item);
    if (slot === undefined) return;
    this.slotOf.delete(item);
    const bucket = this.buckets.get(slot)!;
    bucket.delete(item);
    if (bucket.size === 0) this.buckets.delete(slot);
  }

  /** Handles every item whose deadline is at or before `now`. */
  advance(now: number): void {
    const last = Math.floor(now / this.tickMs);
    for (; this.cursor <= last; this.cursor++) {
      const slot = this.cursor;
      const bucket = this.buckets.get(slot);
      if (!bucket) continue;
      // While this bucket is handled, items (re)filed by the wheel or by
      // onDue land in a bucket still ahead of this loop (or, in the last
      // one, wait for the next advance), never in one it has passed.
      this.cursor = Math.min(slot + 1, last);
      for (const item of [...bucket]) {
        // onDue may have deleted or moved a later item of this bucket.
        if (this.slotOf.get(item) !== slot) continue;
        this.delete(item);
        const due = this.dueOf(item);
        if (due > now) this.schedule(item);
        else if (this.onDue(item, now)) this.schedule(item);
      }
      this.cursor = slot;
    }
    // The current bucket may hold items due later within this tick: re-read it next time.
    this.cursor = last;
  }
}
