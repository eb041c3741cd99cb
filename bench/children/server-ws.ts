/**
 * The limit: a bare `ws` server that answers the same frames as rx-rtm and
 * does nothing else. `login` gets a welcome-shaped reply (no token check, no
 * session kept), `ping` gets `pong`, and a login that asks for a heartbeat
 * (`hb`) is pinged every `hb` ms, all such sockets at once from one timer
 * per interval. Messages are a broadcast loop: `join` puts the socket in
 * a room, `sendChannel` is encoded once and sent to every other socket in
 * it, `sendPeer` to the socket logged in as `to` (no session, no sequence
 * numbers, no rate limit, no check). Whatever rx-rtm costs beyond this is
 * the price of its features.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { childConfig, serveHarness } from './serve-child.js';

const config = childConfig();
const PONG = '{"t":"pong"}';
const PING = '{"t":"ping"}';
let next = 0;
/** Sockets in each channel, and the socket of each uid. */
const rooms = new Map<string, Set<WebSocket>>();
const byUid = new Map<string, WebSocket>();
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
/** The frames this server reads, as far as it reads them. */
interface Frame {
  t?: unknown;
  hb?: unknown;
  uid?: string;
  id?: number;
  channel?: string;
  to?: string;
  type?: string;
  data?: string;
}

wss.on('connection', (socket: WebSocket) => {
  let uid = '';
  const joined = new Set<Set<WebSocket>>();
  socket.on('error', () => undefined);
  socket.on('close', () => {
    for (const room of joined) room.delete(socket);
    if (byUid.get(uid) === socket) byUid.delete(uid);
  });
  socket.on('message', (data) => {
    let frame: Frame;
    try {
      // ws hands text frames over as one Buffer (the default binaryType).
      frame = JSON.parse((data as Buffer).toString()) as Frame;
    } catch {
      return;
    }
    if (frame.t === 'ping') socket.send(PONG);
    else if (frame.t === 'sendChannel') {
      const { channel = '', type, data: payload } = frame;
      const out = JSON.stringify({ t: 'channelMessage', channel, from: uid, type, data: payload, ts: Date.now() });
      for (const member of rooms.get(channel) ?? []) if (member !== socket) member.send(out);
      socket.send(`{"t":"done","id":${frame.id}}`);
    } else if (frame.t === 'sendPeer') {
      const { type, data: payload } = frame;
      const peer = byUid.get(frame.to ?? '');
      peer?.send(JSON.stringify({ t: 'peerMessage', from: uid, type, data: payload, ts: Date.now() }));
      socket.send(`{"t":"sent","id":${frame.id},"received":${peer !== undefined}}`);
    } else if (frame.t === 'join') {
      const channel = frame.channel ?? '';
      let room = rooms.get(channel);
      if (!room) rooms.set(channel, (room = new Set()));
      room.add(socket);
      joined.add(room);
      socket.send(`{"t":"joined","id":${frame.id},"members":[]}`);
    } else if (frame.t === 'login') {
      uid = frame.uid ?? '';
      byUid.set(uid, socket);
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
