/**
 * The limit: a bare `ws` server that answers the same frames as rx-rtm and
 * does nothing else. `login` gets a welcome-shaped reply (no token check, no
 * session kept), `ping` gets `pong`. Whatever rx-rtm costs beyond this is
 * the price of its features.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { childConfig, serveHarness } from './serve-child.js';

const config = childConfig();
const PONG = '{"t":"pong"}';
let next = 0;
const wss = new WebSocketServer({ port: 0, host: config.host });
await new Promise<void>((resolve) => wss.once('listening', resolve));
wss.on('connection', (socket: WebSocket) => {
  socket.on('error', () => undefined);
  socket.on('message', (data) => {
    let frame: { t?: unknown };
    try {
      // ws hands text frames over as one Buffer (the default binaryType).
      frame = JSON.parse((data as Buffer).toString()) as { t?: unknown };
    } catch {
      return;
    }
    if (frame.t === 'ping') socket.send(PONG);
    else if (frame.t === 'login')
      socket.send(`{"t":"welcome","session":"s${++next}","resumed":false,"tokenExpiresInMs":3600000}`);
  });
});
const port = (wss.address() as { port: number }).port;
serveHarness(
  port,
  () => wss.clients.size,
  () => new Promise<void>((resolve) => wss.close(() => resolve())),
);
