/**
 * BEHAVIOUR §7 end to end: the real client and server, links cut by the fault
 * proxy. For every sender and receiver, messages arrive in the order they
 * were sent, each exactly once, through the receiver's dark link, its
 * RECONNECTING within the grace, the sender's own dark link while it keeps
 * sending, and both at once; a receiver back after its grace misses what
 * was sent meanwhile and gets nothing twice; a send in flight when its
 * sender's session is lost rejects TIMEOUT and is never sent again.
 */
import { expect } from 'chai';
import type { RtmClient } from '../../lib/node.js';
import { createToken, startServer, type RtmServer } from '../../lib/server/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { proxiedUsers } from '../support/proxied-users.js';
import { sleep } from '../support/state-recorder.js';

const APP = 'demo';
const SECRET = 'demo-secret';
const token = (uid: string) => createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 3600 });

/** Texts a client received, from each sender, in arrival order. */
class Inbox {
  readonly texts: string[] = [];
  constructor(client: RtmClient, room?: string) {
    const take = ({ message }: { message: { messageType: string } }) =>
      this.texts.push('text' in message ? String(message.text) : '<raw>');
    if (room) client.createChannel(room).message$.subscribe(take);
    else client.messageFromPeer$.subscribe(take);
  }

  /** Resolves once `count` texts arrived; rejects after `timeoutMs`. */
  async count(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.texts.length < count) {
      if (Date.now() > deadline) throw new Error(`${this.texts.length} of ${count} messages: ${this.texts.join(',')}`);
      await sleep(20);
    }
  }
}

describe('messages over real sockets (integration)', function () {
  this.timeout(60_000);
  let server: RtmServer;
  let proxy: FaultProxy;
  const { user } = proxiedUsers({
    rig: () => ({ server, proxy }),
    appId: APP,
    token,
    defaults: { interruptionThresholdMs: 1500 },
  });

  /** Sends `count` texts `prefix0…` from `from` to `to`, `everyMs` apart; resolves with the sends' outcomes. */
  async function sendMany(from: RtmClient, to: string, prefix: string, count: number, everyMs: number) {
    const sends: Array<Promise<string>> = [];
    for (let i = 0; i < count; i++) {
      sends.push(
        from.sendMessageToPeer({ text: `${prefix}${i}` }, to).then(
          ({ hasPeerReceived }) => `sent ${String(hasPeerReceived)}`,
          (error: { code: string }) => error.code,
        ),
      );
      await sleep(everyMs);
    }
    return Promise.all(sends);
  }

  const texts = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

  afterEach(async () => {
    await proxy.close();
    await server.close();
  });

  describe('within the grace (30 s)', () => {
    beforeEach(async () => {
      server = await startServer({ port: 0, apps: { [APP]: SECRET } });
      proxy = await startFaultProxy({ target: { port: server.port } });
    });

    it("the receiver's link dark for 1 s (no state change): every message once, in order", async () => {
      const a = await user('A', false);
      const b = await user('B', true);
      const inbox = new Inbox(b.client);
      const sending = sendMany(a.client, 'B', 'm', 40, 50);
      await sleep(500);
      proxy.blackhole();
      await sleep(1000);
      await proxy.pass();
      expect(await sending).to.deep.equal(Array(40).fill('sent true'));
      await inbox.count(40, 5000);
      await sleep(300);
      expect(inbox.texts).to.deep.equal(texts('m', 40));
      expect(b.states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
    });

    it('the receiver RECONNECTING and back: every message once, in order, peer and channel alike', async () => {
      const a = await user('A', false);
      const b = await user('B', true);
      await a.client.createChannel('room').join();
      await b.client.createChannel('room').join();
      const inbox = new Inbox(b.client);
      const roomInbox = new Inbox(b.client, 'room');
      const aRoom = a.client.createChannel('room');
      proxy.blackhole();
      const sending = sendMany(a.client, 'B', 'p', 30, 100);
      const channel: Array<Promise<void>> = [];
      for (let i = 0; i < 10; i++) channel.push(aRoom.sendMessage({ text: `c${i}` }));
      await b.states.waitFor('RECONNECTING/INTERRUPTED', 6000);
      await proxy.pass();
      await b.states.waitFor('CONNECTED/LOGIN_SUCCESS', 6000, 3);
      expect(await sending).to.deep.equal(Array(30).fill('sent true'));
      await Promise.all(channel);
      await inbox.count(30, 5000);
      await roomInbox.count(10, 5000);
      await sleep(300);
      expect(inbox.texts).to.deep.equal(texts('p', 30));
      expect(roomInbox.texts).to.deep.equal(texts('c', 10));
    });

    it(
      "the sender's own link dark while it keeps sending: each send settles once it is back, " +
        'delivered once, in order',
      async () => {
        const a = await user('A', true);
        const b = await user('B', false);
        const inbox = new Inbox(b.client);
        const sending = sendMany(a.client, 'B', 's', 40, 100);
        await sleep(300);
        proxy.blackhole();
        await a.states.waitFor('RECONNECTING/INTERRUPTED', 6000);
        await sleep(500);
        await proxy.pass();
        expect(await sending).to.deep.equal(Array(40).fill('sent true'));
        await inbox.count(40, 5000);
        await sleep(300);
        expect(inbox.texts).to.deep.equal(texts('s', 40));
      },
    );

    it('both links dark at once, both ways sending: every message once, in order, each way', async () => {
      const a = await user('A', true);
      const b = await user('B', true);
      const aInbox = new Inbox(a.client);
      const bInbox = new Inbox(b.client);
      const ab = sendMany(a.client, 'B', 'ab', 30, 100);
      const ba = sendMany(b.client, 'A', 'ba', 30, 100);
      await sleep(300);
      proxy.blackhole();
      await a.states.waitFor('RECONNECTING/INTERRUPTED', 6000);
      await b.states.waitFor('RECONNECTING/INTERRUPTED', 6000);
      await proxy.pass();
      expect(await ab).to.deep.equal(Array(30).fill('sent true'));
      expect(await ba).to.deep.equal(Array(30).fill('sent true'));
      await aInbox.count(30, 5000);
      await bInbox.count(30, 5000);
      await sleep(300);
      expect(bInbox.texts).to.deep.equal(texts('ab', 30));
      expect(aInbox.texts).to.deep.equal(texts('ba', 30));
    });
  });

  describe('past the grace (2 s)', () => {
    beforeEach(async () => {
      server = await startServer({ port: 0, apps: { [APP]: SECRET }, presenceGraceMs: 2000, unreachableMs: 1000 });
      proxy = await startFaultProxy({ target: { port: server.port } });
    });

    it('a receiver back after its grace misses what was sent meanwhile and gets nothing twice', async () => {
      const a = await user('A', false);
      const b = await user('B', true);
      const inbox = new Inbox(b.client);
      expect(await sendMany(a.client, 'B', 'before', 5, 20)).to.deep.equal(Array(5).fill('sent true'));
      await inbox.count(5, 2000);
      proxy.blackhole();
      await sleep(3000); // B's session is gone
      expect(await sendMany(a.client, 'B', 'meanwhile', 5, 20)).to.deep.equal(Array(5).fill('sent false'));
      await proxy.pass();
      await b.states.waitFor('CONNECTED/LOGIN_SUCCESS', 8000, 3);
      expect(await sendMany(a.client, 'B', 'after', 5, 20)).to.deep.equal(Array(5).fill('sent true'));
      await inbox.count(10, 3000);
      await sleep(300);
      expect(inbox.texts).to.deep.equal([...texts('before', 5), ...texts('after', 5)]);
    });

    it(
      "a send that left when its sender's session is lost rejects TIMEOUT and is not sent on the " + 'new session',
      async () => {
        const a = await user('A', true, { interruptionThresholdMs: 4000 });
        const b = await user('B', false);
        const inbox = new Inbox(b.client);
        proxy.blackhole();
        const lost = a.client.sendMessageToPeer({ text: 'in doubt' }, 'B').then(
          () => 'resolved',
          (error: { code: string }) => error.code,
        );
        await sleep(3000); // A's session is gone
        // Back (on a new session, within the interruption threshold, so without a change of state).
        await proxy.pass();
        expect(await lost).to.equal('TIMEOUT');
        expect(await a.client.sendMessageToPeer({ text: 'fresh' }, 'B')).to.deep.equal({ hasPeerReceived: true });
        await inbox.count(1, 2000);
        await sleep(300);
        // In doubt: delivered once or not at all, never twice.
        expect(inbox.texts.filter((text) => text === 'in doubt').length).to.be.at.most(1);
        expect(inbox.texts.at(-1)).to.equal('fresh');
      },
    );
  });
});
