/**
 * Coalesces the frames one socket is sent within a turn of the event loop
 * into one write (BEHAVIOUR §7.1). Each frame `ws` sends is its own
 * `writev`, and on loopback or a busy node that system call costs more
 * than the frame: filling a channel sends every member a frame per join,
 * and busy fan-out sends a member several messages per turn.
 *
 * The first frame a socket gets in a turn is written at once, so a lone
 * frame (a pong, one event) waits for nothing. A second one in the same
 * turn corks the socket, and the frames after it queue in order behind the
 * first; the end of the turn (`setImmediate`) uncorks every socket corked
 * in it, one write each. A socket about to close or be dropped is
 * uncorked first ({@link WriteCoalescer.release}), so its last frames
 * leave before it goes.
 */

/** A writer the coalescer serves: a socket peer, holding the coalescer's bookkeeping for itself. */
export interface CoalescedWriter {
  /** The turn of its last frame, as {@link WriteCoalescer} counts turns. */
  writeTurn: number;
  /** Corked by the coalescer, until the turn ends or it is released. */
  corked: boolean;
  /** Holds its writes back (a `net.Socket`'s `cork`). */
  cork(): void;
  /** Writes what was held back, in one go. */
  uncork(): void;
}

export class WriteCoalescer {
  private turn = 0;
  private turnEnding = false;
  private readonly corked: CoalescedWriter[] = [];

  /** @param atTurnEnd runs a callback once the current turn's I/O is done (`setImmediate`) */
  constructor(private readonly atTurnEnd: (callback: () => void) => void = setImmediate) {}

  /** Call before each frame `writer` writes: the second and later frames of a turn wait for its end. */
  beforeWrite(writer: CoalescedWriter): void {
    if (!this.turnEnding) {
      this.turnEnding = true;
      this.atTurnEnd(this.endTurn);
    }
    if (writer.writeTurn !== this.turn) {
      writer.writeTurn = this.turn;
      return;
    }
    if (writer.corked) return;
    writer.corked = true;
    writer.cork();
    this.corked.push(writer);
  }

  /** Lets `writer`'s held frames go now: it is about to close or be dropped. */
  release(writer: CoalescedWriter): void {
    if (!writer.corked) return;
    writer.corked = false;
    writer.uncork();
  }

  private readonly endTurn = (): void => {
    this.turnEnding = false;
    this.turn++;
    for (const writer of this.corked) this.release(writer);
    this.corked.length = 0;
  };
}
