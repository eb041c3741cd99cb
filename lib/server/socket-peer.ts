import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { encodeFrame } from '../protocol/codec.js';
import type { Peer } from './peer.js';
import type { Telemetry } from './telemetry.js';
import type { CoalescedWriter, WriteCoalescer } from './write-coalescer.js';

/** A socket as a {@link Peer}: methods on the prototype, not five closures per connection. */
export class SocketPeer implements Peer, CoalescedWriter {
  writeTurn = -1;
  corked = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly telemetry: Telemetry,
    private readonly coalescer: WriteCoalescer,
  ) {}

  send(frame: Parameters<Peer['send']>[0]): void {
    if (frame.t === 'fail' || frame.t === 'error' || frame.t === 'refused') this.telemetry.error(frame.code);
    this.sendText(encodeFrame(frame));
  }

  sendText(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.coalescer.beforeWrite(this);
    this.socket.send(text);
    this.telemetry.frameOut();
  }

  close(code: number, reason: string): void {
    this.coalescer.release(this);
    this.socket.close(code, reason);
  }

  terminate(): void {
    // Destroying a corked socket would discard its held frames (BEHAVIOUR §7.1).
    this.coalescer.release(this);
    this.socket.terminate();
  }

  cork(): void {
    this.stream?.cork();
  }

  uncork(): void {
    this.stream?.uncork();
  }

  /** The TCP socket under the WebSocket: `ws` has no corking of its own, and its maintainers point here. */
  private get stream(): Duplex | undefined {
    return (this.socket as unknown as { _socket?: Duplex })._socket;
  }
}
