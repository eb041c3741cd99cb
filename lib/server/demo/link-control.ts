/**
 * Demo only (the demo composes the server with it, demo.ts; the production
 * server has no such thing): cuts one user's link for a while, the way a dark network does: nothing is closed, nothing
 * gets through, and both ends find out only from the silence.
 *
 * While a uid's link is cut, each of its sockets is frozen:
 *
 * - the server stops reading it (`ws`'s `pause()`: the bytes wait in the
 *   kernel, as TCP would keep retransmitting them), and a frame that was
 *   already read waits in a queue instead of reaching the session;
 * - every frame the server sends it waits in another queue, and so do a
 *   close and a terminate: the client sees no close.
 *
 * A socket that logs in as that uid during the cut (the client's reconnect
 * attempts) is frozen from its login frame on. It is still read, though
 * what it says is held: so an attempt that the client gives up on and
 * closes is dropped here too, rather than delivering a stale login when the
 * link heals.
 *
 * When the cut ends, every frozen socket of the uid sends what it held,
 * then receives what it held, then is read again: what a network that
 * comes back delivers, late but in order.
 */
import type { RawData, WebSocket } from 'ws';
import { rawText } from '../raw-text.js';
import type { Peer } from '../peer.js';
import type { Receive, SocketWrapper, WrappedSocket } from '../socket-wrapper.js';

/** The longest cut, ms: long enough to outlast any presence grace a demo would use. */
export const MAX_CUT_MS = 10 * 60_000;

/** One socket as the link control sees it. */
export class LinkGate implements WrappedSocket {
  /** `app\nuid` once a login frame named it. */
  user: string | undefined;
  private frozen = false;
  private paused = false;
  private readonly incoming: Array<() => void> = [];
  private readonly outgoing: Array<() => void> = [];

  constructor(
    private readonly socket: WebSocket,
    private readonly cutNow: (user: string) => boolean,
  ) {}

  /** `peer`, holding everything while the socket is frozen. */
  wrap(peer: Peer): Peer {
    const hold = (act: () => void) => {
      if (this.frozen) this.outgoing.push(act);
      else act();
    };
    return {
      send: (frame) => hold(() => peer.send(frame)),
      sendText: (text) => hold(() => peer.sendText(text)),
      close: (code, reason) => hold(() => peer.close(code, reason)),
      terminate: () => hold(() => peer.terminate()),
    };
  }

  /** `receive`, holding frames while the socket is frozen, and noting the uid of a login. */
  gated(receive: Receive): Receive {
    return (data, isBinary) => {
      if (this.user === undefined && !isBinary) {
        this.user = loginUser(data);
        if (this.user !== undefined && this.cutNow(this.user)) this.freeze(false);
      }
      if (this.frozen) this.incoming.push(() => receive(data, isBinary));
      else receive(data, isBinary);
    };
  }

  /** Stops the traffic; `pause` also stops reading the socket. A frozen socket stays as it is. */
  freeze(pause: boolean): void {
    if (this.frozen) return;
    this.frozen = true;
    if (pause) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** Lets the held traffic through, in order, and reads the socket again. */
  heal(): void {
    if (!this.frozen) return;
    this.frozen = false;
    for (const act of this.outgoing.splice(0)) act();
    const incoming = this.incoming.splice(0);
    if (this.socket.readyState === this.socket.OPEN) for (const act of incoming) act();
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }
}

/** The uid key of a login frame, or undefined for any other frame. */
function loginUser(data: RawData): string | undefined {
  try {
    const frame: unknown = JSON.parse(rawText(data));
    if (typeof frame !== 'object' || frame === null) return undefined;
    const { t, app, uid } = frame as Record<string, unknown>;
    return t === 'login' && typeof app === 'string' && typeof uid === 'string' ? userKey(app, uid) : undefined;
  } catch {
    return undefined;
  }
}

function userKey(appId: string, uid: string): string {
  return `${appId}\n${uid}`;
}

export class LinkControl implements SocketWrapper {
  private readonly gates = new Set<LinkGate>();
  private readonly cuts = new Map<string, { until: number; timer: NodeJS.Timeout }>();

  /** Starts watching a socket; forgets it when it closes. */
  track(socket: WebSocket): LinkGate {
    const gate = new LinkGate(socket, (user) => this.cuts.has(user));
    this.gates.add(gate);
    socket.once('close', () => this.gates.delete(gate));
    return gate;
  }

  /**
   * Cuts the uid's link for `ms` (a cut already running lasts until the
   * later of its end and this one's).
   */
  cut(appId: string, uid: string, ms: number): void {
    if (!(Number.isFinite(ms) && ms > 0 && ms <= MAX_CUT_MS))
      throw new RangeError(`cutLink: ms must be in (0, ${MAX_CUT_MS}]`);
    const user = userKey(appId, uid);
    const now = Date.now();
    const running = this.cuts.get(user);
    const until = Math.max(running?.until ?? 0, now + ms);
    if (running) clearTimeout(running.timer);
    const timer = setTimeout(() => this.heal(user), until - now);
    timer.unref();
    this.cuts.set(user, { until, timer });
    for (const gate of this.gates) if (gate.user === user) gate.freeze(true);
  }

  /** Ends every cut now (the server is closing). */
  close(): void {
    for (const user of [...this.cuts.keys()]) this.heal(user);
  }

  private heal(user: string): void {
    const cut = this.cuts.get(user);
    if (!cut) return;
    clearTimeout(cut.timer);
    this.cuts.delete(user);
    for (const gate of [...this.gates]) if (gate.user === user) gate.heal();
  }
}
