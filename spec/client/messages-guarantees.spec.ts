/**
 * The client's share of the BEHAVIOUR §7 guarantees that client/messages.spec.ts leaves open, on
 * virtual time against the fake server (10 ms each way; alice CONNECTED at 30 ms): a message event
 * that comes twice reaches the app once; and sends on a bad link taken together, as an app makes
 * them: one that left into a dark link outlives requestTimeoutMs, one that never left times out and
 * never goes out, and what is still pending leaves in order once the session is back.
 */
import { expect } from 'chai';
import type { PeerMessage } from '../../lib/client/messages.js';
import type { ChannelMessage } from '../../lib/client/rtm-channel.js';
import { advanceTo, at, inRoom, outcome, testScheduler } from '../support/marbles.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('message guarantees (marbles)', () => {
  it('a message event that comes again with a seq already seen (peer or channel) reaches the app once', async () => {
    const scheduler = testScheduler();
    const { client, server, room } = inRoom(scheduler, ['bob']);
    const heard: string[] = [];
    client.messageFromPeer$.subscribe(({ message, peerId }: PeerMessage) =>
      heard.push(`${peerId}:${message.messageType === 'TEXT' ? message.text : ''}`),
    );
    room.message$.subscribe(({ message, memberId }: ChannelMessage) =>
      heard.push(`room/${memberId}:${message.messageType === 'TEXT' ? message.text : ''}`),
    );
    at(scheduler, 50, () => void room.join());
    at(scheduler, 100, () => server.sendMessageToPeer('bob', 'alice', { text: 'one' }));
    at(scheduler, 110, () => server.sendChannelMessage('room', 'bob', { text: 'two' }));
    // Events 1 and 2 of alice's session again, as a server replaying from a seq the client had passed would.
    at(scheduler, 200, () => {
      const [socket] = server.openSockets;
      socket.push({ t: 'peerMessage', seq: 1, from: 'bob', type: 'TEXT', data: b64('one'), ts: 100 });
      socket.push({
        t: 'channelMessage',
        seq: 2,
        channel: 'room',
        from: 'bob',
        type: 'TEXT',
        data: b64('two'),
        ts: 110,
      });
    });
    at(scheduler, 300, () => server.sendMessageToPeer('bob', 'alice', { text: 'three' }));
    await advanceTo(scheduler, 400);
    expect(heard).to.deep.equal(['bob:one', 'room/bob:two', 'bob:three']);
    void client.logout();
  });

  it(
    'sends on a bad link together: one that left outlives requestTimeoutMs, one that never left times out ' +
      'and never goes out, the rest leave in order when the session is back and settle then',
    async () => {
      const scheduler = testScheduler();
      const { client, server } = inRoom(scheduler, ['bob'], { requestTimeoutMs: 2000 });
      const sent: Record<string, { value?: string }> = {};
      const send = (text: string) => (sent[text] = outcome(client.sendMessageToPeer({ text }, 'bob')));
      at(scheduler, 50, () => server.blackhole());
      at(scheduler, 100, () => send('left')); // written into the dark link
      // The link is found down; the socket is gone and no new one opens until 5500.
      at(scheduler, 2500, () => {
        server.refuseConnections = true;
        server.dropAll();
      });
      at(scheduler, 2600, () => send('timed out'));
      at(scheduler, 5000, () => send('held'));
      at(scheduler, 5500, () => {
        server.refuseConnections = false;
        server.heal();
      });
      await advanceTo(scheduler, 4599);
      expect(sent['timed out'].value).to.equal(undefined);
      await advanceTo(scheduler, 4600);
      expect(sent['timed out'].value).to.equal('rejected TIMEOUT');
      expect(sent.left.value).to.equal(undefined);
      await advanceTo(scheduler, 20_000);
      expect(Object.fromEntries(Object.entries(sent).map(([text, { value }]) => [text, value]))).to.deep.equal({
        left: 'resolved',
        'timed out': 'rejected TIMEOUT',
        held: 'resolved',
      });
      expect(server.framesOfType('sendPeer').map(({ id, data }) => `${id} ${data}`)).to.deep.equal([
        `2 ${b64('left')}`,
        `4 ${b64('held')}`,
      ]);
      void client.logout();
    },
  );
});
