import { once } from 'node:events';
import type { WebSocketServer } from 'ws';
import { encodeFrame } from '../protocol/codec.js';
import { CloseCode } from '../protocol/close-code.js';

const GOAWAY = encodeFrame({ t: 'goaway' });

/**
 * Tells every client to reconnect (`goaway`, then close code 1012), waits
 * until all sockets are gone or `graceMs` passed, drops the rest, and
 * closes the WebSocket server.
 */
export async function sendEveryoneAway(wss: WebSocketServer, graceMs: number): Promise<void> {
  for (const socket of wss.clients) {
    if (socket.readyState === socket.OPEN) socket.send(GOAWAY);
    socket.close(CloseCode.ServiceRestart, 'server restart');
  }
  const gone = Promise.all([...wss.clients].map((socket) => once(socket, 'close')));
  const deadline = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
  await Promise.race([gone, deadline]);
  for (const socket of wss.clients) socket.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}
