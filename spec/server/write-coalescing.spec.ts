/**
 * BEHAVIOUR §7.1: the frames a socket is sent within one turn leave in one
 * write, in order, and a socket's last frames leave before it closes,
 * is kicked, sent away or dropped.
 */
import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { sendEveryoneAway } from '../../lib/server/shutdown.js';
import { SocketPeer } from '../../lib/server/socket-peer.js';
import { noTelemetry } from '../../lib/server/telemetry.js';
import { WriteCoalescer, type CoalescedWriter } from '../../lib/server/write-coalescer.js';
import { RawClient } from './raw-client.js';

/** A writer that logs what the coalescer does to it. */
function loggingWriter(name: string, log: string[]): CoalescedWriter {
  return {
    writeTurn: -1,
    corked: false,
    cork: () => log.push(`${name} cork`),
    uncork: () => log.push(`${name} uncork`),
  };
}

/** A coalescer whose turns end when the test says. */
function manualTurns(): { coalescer: WriteCoalescer; endTurn: () => void; scheduled: () => number } {
  const ends: Array<() => void> = [];
  return {
    coalescer: new WriteCoalescer((end) => ends.push(end)),
    endTurn: () => ends.shift()!(),
    scheduled: () => ends.length,
  };
}

const turnEnd = () => new Promise((resolve) => setImmediate(resolve));

describe('write coalescing (BEHAVIOUR §7.1)', () => {
  describe('WriteCoalescer', () => {
    it('writes the first frame of a turn at once, corks at the second, uncorks once when the turn ends', () => {
      const log: string[] = [];
      const { coalescer, endTurn, scheduled } = manualTurns();
      const a = loggingWriter('a', log);
      const b = loggingWriter('b', log);
      coalescer.beforeWrite(a);
      coalescer.beforeWrite(b);
      expect(log).to.deep.equal([]);
      coalescer.beforeWrite(a);
      coalescer.beforeWrite(a);
      coalescer.beforeWrite(b);
      expect(log).to.deep.equal(['a cork', 'b cork']);
      expect(scheduled()).to.equal(1);
      endTurn();
      expect(log).to.deep.equal(['a cork', 'b cork', 'a uncork', 'b uncork']);
      expect([a.corked, b.corked]).to.deep.equal([false, false]);

      // A new turn: the first frame goes at once again, and the next turn's end is scheduled.
      coalescer.beforeWrite(a);
      expect(scheduled()).to.equal(1);
      endTurn();
      expect(log).to.have.length(4);
    });

    it('release lets held frames go at once, and the turn end does not uncork again', () => {
      const log: string[] = [];
      const { coalescer, endTurn } = manualTurns();
      const a = loggingWriter('a', log);
      coalescer.release(a);
      expect(log).to.deep.equal([]);
      coalescer.beforeWrite(a);
      coalescer.beforeWrite(a);
      coalescer.release(a);
      expect(log).to.deep.equal(['a cork', 'a uncork']);
      endTurn();
      expect(log).to.deep.equal(['a cork', 'a uncork']);
    });
  });

  describe('SocketPeer on a real socket', () => {
    let wss: WebSocketServer;
    let url: string;
    let accepted: Promise<WebSocket>;
    const coalescer = new WriteCoalescer();

    beforeEach(async () => {
      wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
      await new Promise((resolve) => wss.once('listening', resolve));
      url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
      accepted = new Promise((resolve) => wss.once('connection', resolve));
    });
    afterEach(async () => {
      RawClient.terminateAll();
      await new Promise((resolve) => wss.close(resolve));
    });

    async function connected(): Promise<{ client: RawClient; socket: WebSocket; peer: SocketPeer }> {
      const client = await RawClient.connect(url);
      const socket = await accepted;
      return { client, socket, peer: new SocketPeer(socket, noTelemetry, coalescer) };
    }

    const stream = (socket: WebSocket) => (socket as unknown as { _socket: Duplex })._socket;
    const event = (n: number) => ({ t: 'member', seq: n, channel: 'c', uid: `u${n}`, joined: true, count: n });
    const sendEvents = (peer: SocketPeer, count: number) => {
      for (let n = 1; n <= count; n++) peer.sendText(JSON.stringify(event(n)));
    };

    it('holds the frames after the first until the turn ends, then they arrive in order', async () => {
      const { client, socket, peer } = await connected();
      sendEvents(peer, 5);
      expect(stream(socket).writableCorked).to.equal(1);
      expect(stream(socket).writableLength).to.be.above(0);
      await turnEnd();
      expect(stream(socket).writableCorked).to.equal(0);
      for (let n = 1; n <= 5; n++) expect(await client.next()).to.deep.equal(event(n));
    });

    it('frames sent right before a kick arrive, in order, then kicked, then the close', async () => {
      const { client, peer } = await connected();
      sendEvents(peer, 3);
      peer.send({ t: 'kicked', reason: 'REMOTE_LOGIN' });
      peer.close(4002, 'REMOTE_LOGIN');
      for (let n = 1; n <= 3; n++) expect(await client.next()).to.deep.equal(event(n));
      expect(await client.next()).to.deep.equal({ t: 'kicked', reason: 'REMOTE_LOGIN' });
      expect(await client.closed()).to.deep.equal({ code: 4002, reason: 'REMOTE_LOGIN' });
      expect(client.pending).to.deep.equal([]);
    });

    it('frames sent right before goaway arrive, in order, then goaway and the close 1012', async () => {
      const { client, peer } = await connected();
      sendEvents(peer, 3);
      peer.send({ t: 'goaway' });
      peer.close(1012, 'leaving');
      for (let n = 1; n <= 3; n++) expect(await client.next()).to.deep.equal(event(n));
      expect(await client.next()).to.deep.equal({ t: 'goaway' });
      expect(await client.closed()).to.deep.equal({ code: 1012, reason: 'leaving' });
    });

    it('frames sent right before the server shuts down arrive, in order, before its goaway', async () => {
      const { client, peer } = await connected();
      sendEvents(peer, 3);
      const away = sendEveryoneAway(wss, 2000);
      for (let n = 1; n <= 3; n++) expect(await client.next()).to.deep.equal(event(n));
      expect(await client.next()).to.deep.equal({ t: 'goaway' });
      expect(await client.closed()).to.deep.equal({ code: 1012, reason: 'server restart' });
      await away;
    });

    it('frames sent right before the socket is dropped still leave, in order, before it goes', async () => {
      const { client, peer } = await connected();
      sendEvents(peer, 3);
      peer.terminate();
      for (let n = 1; n <= 3; n++) expect(await client.next()).to.deep.equal(event(n));
      expect((await client.closed()).code).to.equal(1006);
    });

    it('sends nothing once the socket is closing', async () => {
      const { client, peer } = await connected();
      peer.close(1000, 'bye');
      peer.sendText(JSON.stringify(event(1)));
      expect(await client.closed()).to.deep.equal({ code: 1000, reason: 'bye' });
      expect(client.pending).to.deep.equal([]);
    });
  });
});
