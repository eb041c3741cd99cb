/**
 * Peer and channel messages against the fake server on virtual time: what
 * goes on the wire, what arrives (byte for byte), every refusal with its
 * code and nothing sent, and the BEHAVIOUR §7 promises of a send on a bad
 * link: it waits, goes out once, times out only if it never left, and is
 * never re-sent on a new session. Latency is 10 ms each way; alice is
 * CONNECTED at 30 ms, bob at 40 ms.
 */
import { expect } from 'chai';
import type { TestScheduler } from 'rxjs/testing';
import type { PeerMessage } from '../../lib/client/messages.js';
import type { ChannelMessage } from '../../lib/client/rtm-channel.js';
import { RtmClient } from '../../lib/client/rtm-client.js';
import type { RtmClientOptions } from '../../lib/client/options.js';
import { Limits } from '../../lib/protocol/limits.js';
import { advanceTo, at, flushMicrotasks, loggedIn, outcome, testScheduler } from '../support/marbles.js';

/** Alice (as `loggedIn`) and bob on the same fake server, bob logging in at 20 ms. */
function aliceAndBob(scheduler: TestScheduler, options: Partial<RtmClientOptions> = {}) {
  const pair = loggedIn(scheduler, options);
  const bob = new RtmClient({
    url: 'ws://rtm.test/',
    appId: 'app',
    WebSocket: pair.server.WebSocket,
    scheduler,
    random: () => 0,
  });
  at(scheduler, 20, () => void bob.login({ uid: 'bob', token: 'token-b' }));
  const heard: Array<PeerMessage & { at: number }> = [];
  bob.messageFromPeer$.subscribe((message) => heard.push({ ...message, at: scheduler.now() }));
  return { ...pair, bob, heard };
}

const texts = (heard: ReadonlyArray<{ message: { messageType: string } }>) =>
  heard.map(({ message }) => ('text' in message ? message.text : 'raw'));

describe('messages (marbles)', () => {
  describe('peer messages', () => {
    it('sends text and raw, answers hasPeerReceived, delivers each once with sender and time', async () => {
      const scheduler = testScheduler();
      const { client, server, bob, heard } = aliceAndBob(scheduler);
      const handled: unknown[] = [];
      bob.on('MessageFromPeer', (message, peerId, properties) => handled.push([message, peerId, properties]));
      const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
      const results: unknown[] = [];
      at(scheduler, 100, () => void client.sendMessageToPeer({ text: 'hé 👋' }, 'bob').then((r) => results.push(r)));
      at(scheduler, 101, () => {
        const raw = { messageType: 'RAW', rawMessage: bytes, description: 'bytes' } as const;
        void client.sendMessageToPeer(raw, 'bob').then((r) => results.push(r));
      });
      at(scheduler, 102, () => void client.sendMessageToPeer({ text: 'x' }, 'nobody').then((r) => results.push(r)));
      await advanceTo(scheduler, 200);
      expect(server.framesOfType('sendPeer')).to.deep.equal([
        { t: 'sendPeer', id: 2, to: 'bob', type: 'TEXT', data: 'aMOpIPCfkYs=' },
        { t: 'sendPeer', id: 3, to: 'bob', type: 'RAW', data: 'AAEC/f7/', desc: 'Ynl0ZXM=' },
        { t: 'sendPeer', id: 4, to: 'nobody', type: 'TEXT', data: 'eA==' },
      ]);
      expect(results).to.deep.equal([{ hasPeerReceived: true }, { hasPeerReceived: true }, { hasPeerReceived: false }]);
      expect(heard).to.deep.equal([
        {
          message: { messageType: 'TEXT', text: 'hé 👋' },
          peerId: 'alice',
          serverReceivedTs: 110,
          isOfflineMessage: false,
          at: 120,
        },
        {
          message: { messageType: 'RAW', rawMessage: bytes, description: 'bytes' },
          peerId: 'alice',
          serverReceivedTs: 111,
          isOfflineMessage: false,
          at: 121,
        },
      ]);
      expect(handled[0]).to.deep.equal([
        { messageType: 'TEXT', text: 'hé 👋' },
        'alice',
        { serverReceivedTs: 110, isOfflineMessage: false },
      ]);
      void client.logout();
      void bob.logout();
    });

    it('delivers 32 KB text and raw whole; one byte more is LIMIT_EXCEEDED, nothing sent', async () => {
      const scheduler = testScheduler();
      const { client, server, bob, heard } = aliceAndBob(scheduler);
      const text = 'é'.repeat(Limits.messageBytes / 2);
      const raw = new Uint8Array(Limits.messageBytes - 3).map((_, i) => i % 256);
      const sent: Array<{ value?: string }> = [];
      at(scheduler, 100, () => {
        sent.push(outcome(client.sendMessageToPeer({ messageType: 'TEXT', text }, 'bob')));
        sent.push(
          outcome(client.sendMessageToPeer({ messageType: 'RAW', rawMessage: raw, description: 'abc' }, 'bob')),
        );
        sent.push(outcome(client.sendMessageToPeer({ text: `${text}x` }, 'bob')));
        const over = { messageType: 'RAW', rawMessage: raw, description: 'abcd' } as const;
        sent.push(outcome(client.sendMessageToPeer(over, 'bob')));
      });
      await advanceTo(scheduler, 200);
      expect(sent.map((s) => s.value)).to.deep.equal([
        'resolved',
        'resolved',
        'rejected LIMIT_EXCEEDED',
        'rejected LIMIT_EXCEEDED',
      ]);
      expect(server.framesOfType('sendPeer').length).to.equal(2);
      expect(heard.map(({ message }) => message)).to.deep.equal([
        { messageType: 'TEXT', text },
        { messageType: 'RAW', rawMessage: raw, description: 'abc' },
      ]);
      void client.logout();
      void bob.logout();
    });

    it('rejects bad input INVALID_ARGUMENT, NOT_LOGGED_IN before login; never throws or sends', async () => {
      const scheduler = testScheduler();
      const { client, server } = loggedIn(scheduler);
      const early = outcome(client.sendMessageToPeer({ text: 'hi' }, 'bob'));
      const bad: unknown[] = [
        null,
        42,
        'text',
        {},
        { text: 1 },
        { messageType: 'TEXT' },
        { messageType: 'RAW', rawMessage: 'AAEC' },
        { messageType: 'RAW', rawMessage: new Uint8Array(1), description: 5 },
        { messageType: 'BINARY', text: 'x' },
      ];
      const refused: Array<{ value?: string }> = [];
      at(scheduler, 100, () => {
        const send = client.sendMessageToPeer.bind(client) as (message: unknown, peerId: unknown) => Promise<unknown>;
        for (const message of bad) refused.push(outcome(send(message, 'bob')));
        for (const peer of ['', 'null', 'a/b', 'x'.repeat(65), 7]) refused.push(outcome(send({ text: 'hi' }, peer)));
      });
      await advanceTo(scheduler, 200);
      expect(early.value).to.equal('rejected NOT_LOGGED_IN');
      expect(refused.map((r) => r.value)).to.deep.equal(Array(14).fill('rejected INVALID_ARGUMENT'));
      expect(server.framesOfType('sendPeer')).to.deep.equal([]);
      void client.logout();
    });

    it('refuses the 181st in 3 s TOO_OFTEN (peer and channel together), sending nothing of it', async () => {
      const scheduler = testScheduler();
      const { client, server } = loggedIn(scheduler);
      server.memberJoined('room', 'bob');
      const room = client.createChannel('room');
      at(scheduler, 50, () => void room.join());
      const sent: Array<{ value?: string }> = [];
      at(scheduler, 100, () => {
        for (let i = 0; i < 90; i++) sent.push(outcome(client.sendMessageToPeer({ text: `${i}` }, 'bob')));
      });
      at(scheduler, 1000, () => {
        for (let i = 0; i < 90; i++) sent.push(outcome(room.sendMessage({ text: `${i}` })));
        sent.push(outcome(room.sendMessage({ text: 'one too many' })));
        sent.push(outcome(client.sendMessageToPeer({ text: 'one too many' }, 'bob')));
      });
      // The first 90 leave the window at 3100: 90 are free again.
      at(scheduler, 3099, () => sent.push(outcome(client.sendMessageToPeer({ text: 'still too many' }, 'bob'))));
      at(scheduler, 3100, () => sent.push(outcome(client.sendMessageToPeer({ text: 'free again' }, 'bob'))));
      await advanceTo(scheduler, 3200);
      const values = sent.map((s) => s.value);
      expect(values.slice(0, 180)).to.deep.equal(Array(180).fill('resolved'));
      expect(values.slice(180)).to.deep.equal([
        'rejected TOO_OFTEN',
        'rejected TOO_OFTEN',
        'rejected TOO_OFTEN',
        'resolved',
      ]);
      expect(server.framesOfType('sendPeer').length + server.framesOfType('sendChannel').length).to.equal(181);
      void client.logout();
    });
  });

  describe('on a bad link (BEHAVIOUR §7)', () => {
    it('re-sends a send whose answer was lost, same id, on the resumed link: delivered once', async () => {
      const scheduler = testScheduler();
      const { client, server, bob, heard } = aliceAndBob(scheduler);
      let sent = outcome(Promise.resolve());
      at(scheduler, 100, () => (sent = outcome(client.sendMessageToPeer({ text: 'once' }, 'bob'))));
      // The server delivers at 110; its answer finds alice's socket closed.
      at(scheduler, 115, () => server.sockets[0].drop());
      await advanceTo(scheduler, 600);
      expect(sent.value).to.equal(undefined);
      // Reconnect after the 500 ms floor: login at 615, welcome at 635, the send again, answered at 655.
      await advanceTo(scheduler, 654);
      expect(sent.value).to.equal(undefined);
      await advanceTo(scheduler, 655);
      expect(sent.value).to.equal('resolved');
      expect(server.framesOfType('sendPeer').map((f) => f.id)).to.deep.equal([2, 2]);
      expect(texts(heard)).to.deep.equal(['once']);
      void client.logout();
      void bob.logout();
    });

    it('holds sends made with no socket and sends them in order when the session is back', async () => {
      const scheduler = testScheduler();
      const { client, server, bob, heard } = aliceAndBob(scheduler);
      const sent: Array<{ value?: string }> = [];
      at(scheduler, 50, () => server.sockets[0].drop());
      at(scheduler, 100, () => {
        for (const text of ['a', 'b', 'c']) sent.push(outcome(client.sendMessageToPeer({ text }, 'bob')));
      });
      // Reconnect: login at 550, welcome at 570, the sends at 580, answered at 590.
      await advanceTo(scheduler, 589);
      expect(sent.map((s) => s.value)).to.deep.equal([undefined, undefined, undefined]);
      await advanceTo(scheduler, 590);
      expect(sent.map((s) => s.value)).to.deep.equal(['resolved', 'resolved', 'resolved']);
      expect(texts(heard)).to.deep.equal(['a', 'b', 'c']);
      void client.logout();
      void bob.logout();
    });

    it('rejects TIMEOUT a send that never left within requestTimeoutMs, and never sends it', async () => {
      const scheduler = testScheduler();
      const { client, server, bob, heard } = aliceAndBob(scheduler, { requestTimeoutMs: 2000 });
      let sent = outcome(Promise.resolve());
      at(scheduler, 50, () => {
        server.refuseConnections = true;
        server.sockets[0].drop();
      });
      at(scheduler, 100, () => (sent = outcome(client.sendMessageToPeer({ text: 'late' }, 'bob'))));
      at(scheduler, 2500, () => (server.refuseConnections = false));
      await advanceTo(scheduler, 2099);
      expect(sent.value).to.equal(undefined);
      await advanceTo(scheduler, 2100);
      expect(sent.value).to.equal('rejected TIMEOUT');
      await advanceTo(scheduler, 20_000);
      expect(client.connectionState.state).to.equal('CONNECTED');
      expect(server.framesOfType('sendPeer')).to.deep.equal([]);
      expect(heard).to.deep.equal([]);
      void client.logout();
      void bob.logout();
    });

    it(
      'keeps a send that left into a dark link past requestTimeoutMs, and delivers it once when ' +
        'the session resumes',
      async () => {
        const scheduler = testScheduler();
        const { client, server, bob, heard } = aliceAndBob(scheduler, { requestTimeoutMs: 2000 });
        let sent = outcome(Promise.resolve());
        at(scheduler, 50, () => server.blackhole());
        at(scheduler, 100, () => (sent = outcome(client.sendMessageToPeer({ text: 'patient' }, 'bob'))));
        at(scheduler, 8000, () => server.heal());
        await advanceTo(scheduler, 7999);
        expect(sent.value).to.equal(undefined);
        expect(client.connectionState.state).to.equal('RECONNECTING');
        await advanceTo(scheduler, 9000);
        expect(sent.value).to.equal('resolved');
        expect(texts(heard)).to.deep.equal(['patient']);
        expect(server.framesOfType('sendPeer').map((f) => f.id)).to.deep.equal([2]);
        void client.logout();
        void bob.logout();
      },
    );

    it('a send that left when its session is lost: TIMEOUT (in doubt), never sent on the new one', async () => {
      const scheduler = testScheduler();
      const { client, server, bob, heard } = aliceAndBob(scheduler);
      let sent = outcome(Promise.resolve());
      let after = outcome(Promise.resolve());
      at(scheduler, 50, () => server.blackhole());
      at(scheduler, 100, () => (sent = outcome(client.sendMessageToPeer({ text: 'lost' }, 'bob'))));
      // The grace runs out: the session ends and its socket, with what the blackhole held, is gone.
      at(scheduler, 5000, () => {
        server.expire('s1');
        server.heal();
      });
      at(scheduler, 9000, () => (after = outcome(client.sendMessageToPeer({ text: 'new' }, 'bob'))));
      await advanceTo(scheduler, 9100);
      expect(server.framesOfType('login').map((f) => f.session)).to.include('s1');
      expect(sent.value).to.equal('rejected TIMEOUT');
      expect(after.value).to.equal('resolved');
      expect(server.framesOfType('sendPeer').map((f) => f.data)).to.deep.equal(['bmV3']);
      expect(texts(heard)).to.deep.equal(['new']);
      void client.logout();
      void bob.logout();
    });

    it('on logout rejects a send that left TIMEOUT (in doubt) and one that did not CANCELED', async () => {
      const scheduler = testScheduler();
      const { client, server } = loggedIn(scheduler);
      let left = outcome(Promise.resolve());
      let held = outcome(Promise.resolve());
      at(scheduler, 50, () => server.blackhole());
      at(scheduler, 100, () => (left = outcome(client.sendMessageToPeer({ text: 'left' }, 'bob'))));
      at(scheduler, 6000, () => (held = outcome(client.sendMessageToPeer({ text: 'held' }, 'bob'))));
      at(scheduler, 6100, () => void client.logout());
      await advanceTo(scheduler, 6200);
      expect([left.value, held.value]).to.deep.equal(['rejected TIMEOUT', 'rejected CANCELED']);
    });
  });

  describe('offline messages', () => {
    it('delivers kept messages at the next login, flagged offline, with their acceptance time', async () => {
      const scheduler = testScheduler();
      const { client, server } = loggedIn(scheduler);
      const results: unknown[] = [];
      at(scheduler, 100, () => {
        const offline = { enableOfflineMessaging: true };
        void client.sendMessageToPeer({ text: 'kept' }, 'bob', offline).then((r) => results.push(r));
        void client.sendMessageToPeer({ text: 'dropped' }, 'bob').then((r) => results.push(r));
      });
      const bob = new RtmClient({ url: 'ws://b/', appId: 'app', WebSocket: server.WebSocket, scheduler });
      const heard: PeerMessage[] = [];
      bob.messageFromPeer$.subscribe((message) => heard.push(message));
      at(scheduler, 500, () => void bob.login({ uid: 'bob', token: 't' }));
      await advanceTo(scheduler, 600);
      expect(server.framesOfType('sendPeer').map((f) => f.offline)).to.deep.equal([true, undefined]);
      expect(results).to.deep.equal([{ hasPeerReceived: false }, { hasPeerReceived: false }]);
      expect(heard).to.deep.equal([
        {
          message: { messageType: 'TEXT', text: 'kept' },
          peerId: 'alice',
          serverReceivedTs: 110,
          isOfflineMessage: true,
        },
      ]);
      void client.logout();
      void bob.logout();
    });
  });

  describe('channel messages', () => {
    it('sends to a joined channel, else NOT_JOINED; emits other members’ messages while joined', async () => {
      const scheduler = testScheduler();
      const { client, server, room } = (() => {
        const pair = loggedIn(scheduler);
        pair.server.memberJoined('room', 'bob');
        return { ...pair, room: pair.client.createChannel('room') };
      })();
      const heard: ChannelMessage[] = [];
      const handled: unknown[] = [];
      room.message$.subscribe((message) => heard.push(message));
      room.on('ChannelMessage', (message, memberId, properties) => handled.push([message, memberId, properties]));
      const early = outcome(room.sendMessage({ text: 'early' }));
      let notJoined = outcome(Promise.resolve());
      let sent = outcome(Promise.resolve());
      at(scheduler, 40, () => (notJoined = outcome(room.sendMessage({ text: 'not yet' }))));
      at(scheduler, 50, () => void room.join());
      at(scheduler, 100, () => server.sendChannelMessage('room', 'bob', { text: 'from bob' }));
      at(scheduler, 200, () => (sent = outcome(room.sendMessage({ messageType: 'TEXT', text: 'from alice' }))));
      at(scheduler, 300, () => void room.leave());
      at(scheduler, 400, () => server.sendChannelMessage('room', 'bob', { text: 'after leaving' }));
      await advanceTo(scheduler, 500);
      expect([early.value, notJoined.value, sent.value]).to.deep.equal([
        'rejected NOT_LOGGED_IN',
        'rejected NOT_JOINED',
        'resolved',
      ]);
      expect(server.framesOfType('sendChannel')).to.deep.equal([
        { t: 'sendChannel', id: 3, channel: 'room', type: 'TEXT', data: 'ZnJvbSBhbGljZQ==' },
      ]);
      expect(heard).to.deep.equal([
        { message: { messageType: 'TEXT', text: 'from bob' }, memberId: 'bob', serverReceivedTs: 100 },
      ]);
      expect(handled).to.deep.equal([[{ messageType: 'TEXT', text: 'from bob' }, 'bob', { serverReceivedTs: 100 }]]);
      void client.logout();
      await flushMicrotasks();
    });
  });
});
