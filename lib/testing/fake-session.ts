import type { EventBody } from '../protocol/codec.js';
import type { ServerFrame } from '../protocol/frames.js';
import type { CallSession } from '../server/invitation-desk.js';
import type { FakeSocket } from './fake-socket.js';

/** A numbered event frame (`member`, `status`), as a session sends it. */
export type EventFrame = Extract<ServerFrame, { seq: number }>;

/** A session as the fake server holds it: it outlives its socket until it ends. */
export class FakeSession implements CallSession {
  /** The socket it is logged in on, while there is one. */
  socket: FakeSocket | undefined;
  /** Peers whose status it receives. */
  readonly subscriptions = new Set<string>();
  /** Events sent and not yet acknowledged by a ping, kept for a resume. */
  readonly unacknowledged: EventFrame[] = [];
  /** Message sends answered, by request id (`received`), so a repeat is answered alike and sent once. */
  readonly sends = new Map<number, boolean>();
  private seq = 0;

  constructor(
    readonly id: string,
    readonly uid: string,
  ) {}

  /**
   * Sends an event as the server would: numbered, kept for a replay, and
   * pushed if a socket is there. For events the hooks of
   * {@link FakeRtmServer} do not make (a repeat, a stray channel).
   */
  deliver(body: EventBody): void {
    const frame = { ...body, seq: ++this.seq } as EventFrame;
    this.unacknowledged.push(frame);
    this.socket?.push(frame);
  }

  /** @internal As {@link deliver}, for the invitation desk. */
  deliverEvent(body: EventBody): void {
    this.deliver(body);
  }

  /** @internal True while a socket carries it. */
  get attached(): boolean {
    return this.socket !== undefined;
  }

  /** @internal The client saw every event up to `seq`. */
  acknowledge(seq: number): void {
    const seen = this.unacknowledged.findIndex((event) => event.seq > seq);
    this.unacknowledged.splice(0, seen === -1 ? this.unacknowledged.length : seen);
  }
}
