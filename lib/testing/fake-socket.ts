import { encodeFrame } from '../protocol/codec.js';
import type { ClientFrame, ServerFrame } from '../protocol/frames.js';
import type { FakeRtmServer } from './fake-rtm-server.js';

/** A {@link FakeSocket}'s `onopen`, `onmessage`, `onclose` or `onerror`, as the client sets it. */
export type Handler = ((event: object) => void) | null;

/** One socket as the fake server sees it. */
export class FakeSocket {
  onopen: Handler = null;
  onclose: Handler = null;
  onmessage: Handler = null;
  onerror: Handler = null;
  /** Every frame the client sent on this socket, decoded. */
  readonly received: ClientFrame[] = [];
  open = false;
  closed = false;
  /** The id of the session logged in on this socket. */
  session: string | undefined;
  private readonly held: Array<() => void> = [];

  constructor(
    private readonly server: FakeRtmServer,
    readonly url: string,
    readonly protocols: string | string[],
  ) {}

  /** Called by the client. */
  send(data: string): void {
    if (this.closed) return;
    this.deliver(() => this.server.handle(this, data));
  }

  /** Called by the client. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.open = false;
    this.server.forget(this);
  }

  /** Server side: sends a frame to the client. */
  push(frame: ServerFrame): void {
    if (this.closed) return;
    this.deliver(() => this.fire('onmessage', { data: encodeFrame(frame) }));
  }

  /** Server side: closes the socket as a server or a network would. */
  drop(code = 1006, reason = 'connection lost'): void {
    if (this.closed) return;
    this.closed = true;
    this.open = false;
    this.server.forget(this);
    this.fire('onclose', { code, reason, wasClean: false });
  }

  /** @internal */
  connect(): void {
    if (this.closed) return;
    if (this.server.refuseConnections) {
      this.closed = true;
      this.server.forget(this);
      this.fire('onerror', { message: 'connection refused' });
      return;
    }
    this.open = true;
    this.fire('onopen', {});
  }

  /** @internal Delivers what a blackhole held, in order. */
  flush(): void {
    for (const deliver of this.held.splice(0)) deliver();
  }

  private deliver(action: () => void): void {
    if (this.server.dark) this.held.push(action);
    else this.server.scheduler.schedule(action, this.server.latencyMs);
  }

  private fire(name: 'onopen' | 'onclose' | 'onmessage' | 'onerror', event: object): void {
    this[name]?.(event);
  }
}
