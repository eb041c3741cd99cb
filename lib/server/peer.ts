import type { ServerFrame } from '../protocol/frames.js';

/**
 * The server's view of one client connection, whatever carries it. The
 * session logic talks to peers only through this, so it can be exercised
 * without sockets and moved behind another transport.
 */
export interface Peer {
  send(frame: ServerFrame): void;
  /** Sends an already encoded frame (fan-out encodes once for many peers). */
  sendText(text: string): void;
  /** Closes politely, after queued frames, with a close code of {@link CloseCode}. */
  close(code: number, reason: string): void;
  /** Drops the connection at once; for links presumed dead. */
  terminate(): void;
}
