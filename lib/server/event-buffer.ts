/**
 * A session's events since the client last acknowledged, so that a client
 * whose link dropped gets, on resume, exactly what it missed, in order.
 *
 * Each event gets the next sequence number. The client acknowledges the
 * last one it saw in every ping, which empties the buffer of a healthy
 * session about once a second; only a session whose link is down
 * accumulates. Past `maxEvents` or `maxBytes` the buffer gives up: it drops
 * what it held and remembers that it lost events, and the resumed client is
 * told to reconcile instead (it still gets the events that came after the loss).
 */
import type { Handoff } from '../store/presence-store.js';

/** What a resumed client is sent after its welcome: `gap`, some events before `events` were lost. */
export interface Replay {
  readonly gap: boolean;
  readonly events: readonly string[];
}

export class EventBuffer {
  private seq = 0;
  private readonly held: Array<{ seq: number; text: string }> = [];
  private bytes = 0;
  /** Set by {@link markLost}: the next {@link since} reports a loss whatever it is asked. */
  private lost = false;
  /**
   * Set by {@link awaitHandoff}: the bodies of events that came while the
   * session's old node had not yet handed over its events, which come first.
   */
  private waiting: string[] | undefined;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  /**
   * Numbers an encoded event (`{...}` without `seq`), keeps it, and returns
   * the frame to send; while awaiting a handoff, only keeps it (undefined).
   */
  add(body: string): string | undefined {
    if (this.waiting) {
      this.waiting.push(body);
      return undefined;
    }
    const seq = ++this.seq;
    const text = `${body.slice(0, -1)},"seq":${seq}}`;
    this.keep(seq, text);
    return text;
  }

  /** The client saw everything up to `seq`. */
  ack(seq: number): void {
    let drop = 0;
    while (drop < this.held.length && this.held[drop].seq <= seq) this.bytes -= this.held[drop++].text.length;
    if (drop > 0) this.held.splice(0, drop);
  }

  /**
   * Events may have been lost without this buffer seeing them (the shared
   * store lost its events, or the session moved here and its old node did
   * not hand over): drops what it holds, makes the next {@link since}
   * report a gap, and numbers the next events after `seq` (the last one
   * the client saw), so the client never takes a new event for one it has seen.
   */
  markLost(seq = 0): void {
    this.seq = Math.max(this.seq, seq);
    this.clear();
    this.lost = true;
  }

  /**
   * The session moved here from another node (this buffer is new): the
   * client saw events up to `seq`, the old node may hold later ones. Until
   * {@link handedOver}, new events wait unnumbered behind them.
   */
  awaitHandoff(seq: number): void {
    this.seq = seq;
    this.waiting = [];
  }

  /**
   * The old node's events (undefined: it did not hand them over, they are
   * lost), then the events that came meanwhile, numbered after them: one
   * sequence, in order, with nothing twice.
   */
  handedOver(handoff: Handoff | undefined): void {
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    // The old node numbered its events after the client's seq too; anything else is not this session's sequence.
    if (handoff && handoff.seq - handoff.events.length === this.seq) {
      for (const text of handoff.events) this.keep(++this.seq, text);
    } else {
      this.markLost(this.seq);
    }
    for (const body of waiting) this.add(body);
  }

  /**
   * Events after `seq`, in order, and whether some before them are lost
   * (lost, acknowledged past `seq`, or `seq` never sent), in which case the
   * client reconciles. Acknowledges `seq`.
   */
  since(seq: number): Replay {
    // Still waiting for its old node, its events cannot be numbered yet: the session moves on without them.
    if (this.waiting) return { gap: true, events: [] };
    // `held` is always the latest events, up to `this.seq`; anything older was lost or acknowledged.
    const gap = this.lost || seq < this.seq - this.held.length || seq > this.seq;
    this.lost = false;
    this.ack(seq);
    return { gap, events: this.held.map((event) => event.text) };
  }

  /** Events held now (for metrics and tests). */
  get size(): number {
    return this.held.length;
  }

  private keep(seq: number, text: string): void {
    this.held.push({ seq, text });
    this.bytes += text.length;
    if (this.held.length > this.maxEvents || this.bytes > this.maxBytes) this.clear();
  }

  private clear(): void {
    this.held.length = 0;
    this.bytes = 0;
  }
}
