/**
 * The limit: a bare `ws` server that answers the same frames as rx-rtm and
 * does nothing else. `login` gets a welcome-shaped reply (no token check, no
 * session kept), `ping` gets `pong`, and a login that asks for a heartbeat
 * (`hb`) is pinged every `hb` ms, all such sockets at once from one timer
 * per interval. Whatever rx-rtm costs beyond this is the price of its
 * features.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { childConfig, serveHarness } from './serve-child.js';

const config = childConfig();
const PONG = '{"t":"pong"}';
const PING = '{"t":"ping"}';
let next = 0;
/** Sockets pinged, by interval; one timer per interval. */
const pinged = new Map<number, Set<WebSocket>>();

function heartbeat(socket: WebSocket, hb: number): void {
  let sockets = pinged.get(hb);
  if (!sockets) {
    pinged.set(hb, (sockets = new Set()));
    const all = sockets;
    setInterval(() => {
      for (const s of all) s.send(PING);
    }, hb).unref();
  }
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
}
const wss = new WebSocketServer({ port: 0, host: config.host });
await new Promise<void>((resolve) => wss.once('listening', resolve));
wss.on('connection', (socket: WebSocket) => {
  socket.on('error', () => undefined);
  socket.on('message', (data) => {
    let frame: { t?: unknown; hb?: unknown };
    try {
      // ws hands text frames over as one Buffer (the default binaryType).
      frame = JSON.parse((data as Buffer).toString()) as { t?: unknown; hb?: unknown };
    } catch {
      return;
    }
    if (frame.t === 'ping') socket.send(PONG);
    else if (frame.t === 'login') {
      const hb = typeof frame.hb === 'number' && frame.hb > 0 ? frame.hb : undefined;
      const asked = hb === undefined ? '' : `,"hb":${hb}`;
      socket.send(`{"t":"welcome","session":"s${++next}","resumed":false,"tokenExpiresInMs":3600000${asked}}`);
      if (hb !== undefined) heartbeat(socket, hb);
    }
  });
});
const port = (wss.address() as { port: number }).port;
serveHarness(
  port,
  () => wss.clients.size,
  () => new Promise<void>((resolve) => wss.close(() => resolve())),
);
