import type { WebSocket } from 'ws';
import { encodeFrame } from '../protocol/codec.js';
import type { Peer } from './peer.js';
import type { Telemetry } from './telemetry.js';

/** A socket as a {@link Peer}: methods on the prototype, not five closures per connection. */
export class SocketPeer implements Peer {
  constructor(
    private readonly socket: WebSocket,
    private readonly telemetry: Telemetry,
  ) {}

  send(frame: Parameters<Peer['send']>[0]): void {
    if (frame.t === 'fail' || frame.t === 'error' || frame.t === 'refused') this.telemetry.error(frame.code);
    this.sendText(encodeFrame(frame));
  }

  sendText(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(text);
    this.telemetry.frameOut();
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }
}
