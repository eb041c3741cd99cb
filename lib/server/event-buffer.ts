/**
 * A session's events since the client last acknowledged, so that a client
 * whose link dropped gets, on resume, exactly what it missed, in order.
 *
 * Each event gets the next sequence number. The client acknowledges the
 * last one it saw in every ping, which empties the buffer of a healthy
 * session about once a second; only a session whose link is down
 * accumulates. Past `maxEvents` or `maxBytes` the buffer gives up: it drops
 * what it held and remembers that it lost events, and the resumed client is
 * told to reconcile instead.
 */
export class EventBuffer {
  private seq = 0;
  private readonly held: Array<{ seq: number; text: string }> = [];
  private bytes = 0;
  /** Set by {@link markLost}: the next {@link since} reports a loss whatever it is asked. */
  private lost = false;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  /** Numbers an encoded event (`{...}` without `seq`), keeps it, and returns the frame to send. */
  add(body: string): string {
    const seq = ++this.seq;
    const text = `${body.slice(0, -1)},"seq":${seq}}`;
    this.held.push({ seq, text });
    this.bytes += text.length;
    if (this.held.length > this.maxEvents || this.bytes > this.maxBytes) {
      this.held.length = 0;
      this.bytes = 0;
    }
    return text;
  }

  /** The client saw everything up to `seq`. */
  ack(seq: number): void {
    let drop = 0;
    while (drop < this.held.length && this.held[drop].seq <= seq) this.bytes -= this.held[drop++].text.length;
    if (drop > 0) this.held.splice(0, drop);
  }

  /**
   * Events may have been lost without this buffer seeing them (the session
   * moved here from another node, or the shared store lost its events):
   * drops what it holds, makes the next {@link since} answer `undefined`,
   * and numbers the next events after `seq` (the last one the client saw),
   * so the client never takes a new event for one it has seen.
   */
  markLost(seq = 0): void {
    this.seq = Math.max(this.seq, seq);
    this.held.length = 0;
    this.bytes = 0;
    this.lost = true;
  }

  /** Events after `seq`, in order; `undefined` if some of them were lost (or dropped by an ack past `seq`). */
  since(seq: number): string[] | undefined {
    // `held` is always the latest events, up to `this.seq`; anything older was lost or acknowledged.
    if (this.lost || seq < this.seq - this.held.length || seq > this.seq) {
      this.lost = false;
      // The client reconciles instead; what is held would never be asked for again.
      this.held.length = 0;
      this.bytes = 0;
      return undefined;
    }
    this.ack(seq);
    return this.held.map((event) => event.text);
  }

  /** Events held now (for metrics and tests). */
  get size(): number {
    return this.held.length;
  }
}
