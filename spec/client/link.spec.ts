/**
 * The link's hold on its sockets (lib/client/link.ts): once it lets go of a
 * socket, nothing that socket still says reaches the session. (`ws` may
 * still emit a message on a socket it is closing; the fake socket is made
 * to do so here by calling its handler directly.)
 */
import { expect } from 'chai';
import type { PeerMessage } from '../../lib/client/messages.js';
import { encodeFrame } from '../../lib/protocol/codec.js';
import type { FakeSocket } from '../../lib/testing/fake-socket.js';
import { advanceTo, at, loggedIn, testScheduler } from '../support/marbles.js';

/** A message from bob as the server would send it on `socket`, whether or not the socket is still open. */
function sayOn(socket: FakeSocket, seq: number): void {
  const frame = encodeFrame({ t: 'peerMessage', seq, from: 'bob', type: 'TEXT', data: 'aGk=', ts: 1 });
  socket.onmessage?.({ data: frame });
}

describe('link (marbles)', () => {
  it('hears nothing more from a socket closed by a logout', async () => {
    const scheduler = testScheduler();
    const { client, server } = loggedIn(scheduler);
    const heard: PeerMessage[] = [];
    client.messageFromPeer$.subscribe((message) => heard.push(message));
    at(scheduler, 100, () => sayOn(server.sockets[0], 1));
    at(scheduler, 200, () => void client.logout());
    at(scheduler, 300, () => sayOn(server.sockets[0], 2));
    await advanceTo(scheduler, 400);
    expect(server.sockets).to.have.length(1);
    expect(server.sockets[0].closed).to.equal(true);
    expect(heard.map(({ peerId, message }) => [peerId, message])).to.deep.equal([
      ['bob', { messageType: 'TEXT', text: 'hi' }],
    ]);
  });

  it('hears nothing more from a socket it gave up as dead, only from the one that replaced it', async () => {
    const scheduler = testScheduler();
    const { client, server } = loggedIn(scheduler);
    const heard: number[] = [];
    const states: string[] = [];
    client.messageFromPeer$.subscribe(({ serverReceivedTs }) => heard.push(serverReceivedTs));
    client.connectionState$.subscribe(({ state }) => states.push(state));
    // Dark from 100 ms: down at 1 280 ms (last heard 30 ms + 1 s + 250 ms), given up 4 s later.
    at(scheduler, 100, () => server.blackhole());
    at(scheduler, 6_000, () => server.heal());
    await advanceTo(scheduler, 7_000);
    expect(server.sockets.map((socket) => socket.closed)).to.deep.equal([true, false]);
    sayOn(server.sockets[0], 1);
    expect(heard).to.deep.equal([]);
    sayOn(server.sockets[1], 1);
    expect(heard).to.deep.equal([1]);
    expect(states).to.deep.equal(['DISCONNECTED', 'CONNECTING', 'CONNECTED', 'RECONNECTING', 'CONNECTED']);
  });
});
