/**
 * The usual choice: a socket.io 4.8 server at its defaults (polling and
 * websocket transports, 20 s ping timeout, no compression), but for its
 * ping interval: engine.io's ping is socket.io's heartbeat, server to
 * client as rx-rtm's, so it runs at the heartbeat the harness measures
 * (`heartbeatMs`; 25 s when none is given). It checks the same token as
 * rx-rtm in a connection middleware (the socket.io way to log in).
 * Messages the socket.io way: `join` joins a room, `send` is
 * `socket.to(room).emit('msg', …)` (every other member), `peer` emits to
 * the room each socket joins under its uid; each answered with an ack.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { verifyToken } from '../../lib/server/token.js';
import { childConfig, serveHarness } from './serve-child.js';

const config = childConfig();
const http = createServer();
const io = new Server(http, config.heartbeatMs === undefined ? {} : { pingInterval: config.heartbeatMs });
io.use((socket, next) => {
  const { uid, token } = (socket.handshake.auth ?? {}) as { uid?: unknown; token?: unknown };
  const check =
    typeof uid === 'string' && typeof token === 'string'
      ? verifyToken(token, config.app, uid, config.secret)
      : undefined;
  if (check?.ok) next();
  else next(new Error(check ? check.code : 'INVALID_ARGUMENT'));
});
const answer = (ack: unknown) => {
  if (typeof ack === 'function') (ack as () => void)();
};
io.on('connection', (socket) => {
  void socket.join(String((socket.handshake.auth as { uid: string }).uid));
  socket.on('join', (room: string, ack: unknown) => {
    void socket.join(room);
    answer(ack);
  });
  socket.on('send', (room: string, data: string, ack: unknown) => {
    socket.to(room).emit('msg', data);
    answer(ack);
  });
  socket.on('peer', (uid: string, data: string, ack: unknown) => {
    socket.to(uid).emit('msg', data);
    answer(ack);
  });
});
http.listen(0, config.host);
await new Promise<void>((resolve) => http.once('listening', resolve));
const port = (http.address() as { port: number }).port;
serveHarness(
  port,
  () => io.engine.clientsCount,
  () => new Promise<void>((resolve) => void io.close(() => resolve())),
);
