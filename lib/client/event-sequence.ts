/**
 * Exactly-once events. The server numbers each session's events (`seq`,
 * from 1) and, on a resume, replays those after the `seq` the client says
 * it saw; an event can therefore arrive twice (sent on a link that died,
 * then replayed), and the second copy must change nothing.
 */
export class EventSequence {
  #last = 0;

  /** The last event seen; logins that resume and every ping carry it. */
  get lastSeq(): number {
    return this.#last;
  }

  /** True the first time `seq` is seen, in order; false for one seen already. */
  accept(seq: number): boolean {
    if (seq <= this.#last) return false;
    this.#last = seq;
    return true;
  }

  /** A new session numbers its events from 1 again. */
  reset(): void {
    this.#last = 0;
  }
}
