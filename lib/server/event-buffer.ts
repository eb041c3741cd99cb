/**
 * A session's events since the client last acknowledged, so that a client
 * whose link dropped gets, on resume, exactly what it missed, in order.
 *
 * Each event gets the next sequence number. The client acknowledges the
 * last one it saw in every ping, which empties the buffer of a healthy
 * session about once a second; only a session whose link is down
 * accumulates. Past `maxEvents` or `maxBytes` the buffer gives up: it drops
 * what it held and remembers that it lost events, and the resumed client is
 * told to reconcile instead (it still gets the messages that came after the loss).
 */
import type { Handoff } from '../store/presence-store.js';

/**
 * A message event's frame: event bodies are encoded with `t` first
 * (encodeEventBody), so the start of the text tells the kind.
 */
const MESSAGE_FRAME = /^\{"t":"(?:peer|channel)Message"/;

/** What a resumed client is sent after its welcome: `gap`, some events before `events` were lost. */
export interface Replay {
  readonly gap: boolean;
  readonly events: readonly string[];
}

export class EventBuffer {
  private seq = 0;
  /** Events up to this seq are gone (acknowledged, lost, or after a gap all but messages); later ones are held. */
  private floor = 0;
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
    if (drop === 0) return;
    this.floor = Math.max(this.floor, this.held[drop - 1].seq);
    this.held.splice(0, drop);
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
    this.floor = seq;
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
   * Events after `seq`, in order; acknowledges `seq`. If some before them
   * are lost (lost, acknowledged past `seq`, or `seq` never sent): a gap,
   * and only the messages held after the loss, since the client reconciles
   * its channels and peers instead of taking member and status events.
   */
  since(seq: number): Replay {
    // Still waiting for its old node, its events cannot be numbered yet: the session moves on without them.
    if (this.waiting) return { gap: true, events: [] };
    const gap = this.lost || seq < this.floor || seq > this.seq;
    this.lost = false;
    this.ack(seq);
    if (gap) this.keepMessagesOnly();
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

  /** Drops everything held: lost. */
  private clear(): void {
    this.held.length = 0;
    this.bytes = 0;
    this.floor = this.seq;
  }

  /**
   * Drops the member and status events held: the client's reconciliation
   * stands for them (so a later resume from before now is a gap again).
   */
  private keepMessagesOnly(): void {
    const messages = this.held.filter((event) => MESSAGE_FRAME.test(event.text));
    this.clear();
    for (const event of messages) this.keep(event.seq, event.text);
  }
}
