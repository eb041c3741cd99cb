/**
 * The BEHAVIOUR §7 guarantees that integration/messages.spec.ts and server/messages.spec.ts leave
 * open, on the real server and real sockets (links cut by the fault proxy): a receiver's dark link
 * healed under the 4 s threshold; requestTimeoutMs on a real link (a send that never left times out
 * and is never delivered, one that left outlives it and comes once); bytes and a full 32 KB text
 * arriving whole; `serverReceivedTs` as the acceptance time; offline messages (at most 200 per
 * receiver, oldest dropped, 7 days, once, before live ones, never for a peer inside its grace);
 * channel members counted at acceptance; and no way to make a message look sent by another uid.
 */
import { expect } from 'chai';
import { Limits } from '../../lib/protocol/limits.js';
import { createToken, startServer, type RtmServer } from '../../lib/server/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { MessageInbox } from '../support/message-inbox.js';
import { proxiedUsers } from '../support/proxied-users.js';
import { sleep } from '../support/state-recorder.js';
import { RawClient, serverFixture, type Frame } from '../server/raw-client.js';

const APP = 'demo';
const SECRET = 'demo-secret';
const DAY_MS = 24 * 3600 * 1000;
const token = (uid: string) => createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 3600 });
/** For raw clients, valid past the 7 days a test moves the server's wall clock on. */
const weekLongToken = (uid: string) =>
  createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 8 * 24 * 3600 });
const b64 = (text: string) => Buffer.from(text).toString('base64');
const text = (value: string) => ({ type: 'TEXT', data: b64(value) });
const decoded = (frame: Frame) => Buffer.from(String(frame.data), 'base64').toString();

/** A send's outcome as a string, readable whenever the test looks: pending until it settles. */
function settled(send: Promise<{ hasPeerReceived: boolean } | void>): { value: string } {
  const result = { value: 'pending' };
  send.then(
    (answer) => (result.value = answer ? `sent ${String(answer.hasPeerReceived)}` : 'done'),
    (error: { code: string }) => (result.value = error.code),
  );
  return result;
}

describe('message guarantees over real sockets (integration)', function () {
  this.timeout(30_000);
  let server: RtmServer;
  let proxy: FaultProxy;
  const { user } = proxiedUsers({ rig: () => ({ server, proxy }), appId: APP, token });

  beforeEach(async () => {
    server = await startServer({ port: 0, apps: { [APP]: SECRET } });
    proxy = await startFaultProxy({ target: { port: server.port } });
  });
  afterEach(async () => {
    await proxy.close();
    await server.close();
  });

  it("the receiver's link dark 2.5 s (threshold 4 s): peer and channel messages once each, in order", async () => {
    const a = await user('A', false);
    const b = await user('B', true);
    await a.client.createChannel('room').join();
    const inbox = new MessageInbox(b.client, ['room']);
    await b.client.createChannel('room').join();
    const room = a.client.createChannel('room');
    const sends: Array<{ value: string }> = [];
    const expected: string[] = [];
    proxy.blackhole();
    for (let i = 0; i < 25; i++) {
      sends.push(settled(a.client.sendMessageToPeer({ text: `p${i}` }, 'B')));
      expected.push(`A:p${i}`);
      if (i % 5 === 0) {
        sends.push(settled(room.sendMessage({ text: `c${i}` })));
        expected.push(`room/A:c${i}`);
      }
      await sleep(100);
    }
    await proxy.pass();
    await inbox.count(expected.length, 8000);
    expect(inbox.texts).to.deep.equal(expected);
    expect(sends.map(({ value }) => value)).to.deep.equal(expected.map((e) => (e[0] === 'A' ? 'sent true' : 'done')));
    expect(b.states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
  });

  it(
    'requestTimeoutMs on a real link: a send that never left rejects TIMEOUT and never arrives; one that ' +
      'left outlives it, settles when the session resumes and arrives once',
    async () => {
      const a = await user('A', true, { requestTimeoutMs: 2000, interruptionThresholdMs: 1500 });
      const b = await user('B', false);
      const inbox = new MessageInbox(b.client);
      proxy.blackhole();
      const left = settled(a.client.sendMessageToPeer({ text: 'left' }, 'B')); // written into the dark link
      await a.states.waitFor('RECONNECTING/INTERRUPTED', 6000);
      await proxy.refuse(); // the dark link and what it held are gone; no new one opens
      await sleep(300); // a send in the moment before the client sees its socket close is written to it: it left
      const held = settled(a.client.sendMessageToPeer({ text: 'held' }, 'B')); // no open socket to write it on
      await sleep(2300);
      expect([left.value, held.value]).to.deep.equal(['pending', 'TIMEOUT']);
      await proxy.pass();
      await a.states.waitFor('CONNECTED/LOGIN_SUCCESS', 15_000, 3);
      const after = settled(a.client.sendMessageToPeer({ text: 'after' }, 'B'));
      await inbox.count(2, 5000);
      expect([left.value, held.value, after.value]).to.deep.equal(['sent true', 'TIMEOUT', 'sent true']);
      expect(inbox.texts).to.deep.equal(['A:left', 'A:after']);
    },
  );

  it('raw bytes arrive byte for byte, a 32 KB text whole; serverReceivedTs is when the server took each', async () => {
    const a = await user('A', false);
    const b = await user('B', false);
    await a.client.createChannel('room').join();
    const inbox = new MessageInbox(b.client, ['room']);
    await b.client.createChannel('room').join();
    const everyByte = new Uint8Array(512).map((_, i) => (i * 7) % 256);
    const description = 'dé👋';
    const full = new Uint8Array(Limits.messageBytes - Buffer.byteLength(description)).map((_, i) => 255 - (i % 256));
    const messages = [
      { messageType: 'RAW', rawMessage: everyByte, description: '' },
      { messageType: 'RAW', rawMessage: full, description },
      { messageType: 'TEXT', text: 'é👋'.repeat(Limits.messageBytes / 6) + 'xy' },
    ] as const;
    expect(Buffer.byteLength(messages[2].text)).to.equal(Limits.messageBytes);
    const before = Date.now();
    for (const message of messages) await a.client.sendMessageToPeer(message, 'B');
    await a.client.createChannel('room').sendMessage(messages[1]);
    const after = Date.now();
    await inbox.count(4, 5000);
    expect(inbox.got.map(({ message, from, channel, offline }) => ({ message, from, channel, offline }))).to.deep.equal(
      [
        ...messages.map((message) => ({ message, from: 'A', channel: undefined, offline: false })),
        { message: messages[1], from: 'A', channel: 'room', offline: false },
      ],
    );
    for (const { ts } of inbox.got) expect(ts).to.be.within(before, after);
  });

  it(
    'offline messages: answered hasPeerReceived false, kept, then delivered once at the next login, in order, ' +
      'flagged, before live ones, each with the time it was sent',
    async () => {
      const a = await user('A', false);
      const offline = { enableOfflineMessaging: true };
      const sentAt: number[] = [];
      const answers: unknown[] = [];
      for (const [i, options] of [offline, undefined, offline].entries()) {
        sentAt.push(Date.now());
        answers.push(await a.client.sendMessageToPeer({ text: `o${i}` }, 'C', options));
      }
      expect(answers).to.deep.equal(Array(3).fill({ hasPeerReceived: false }));
      await sleep(1000);
      let inbox: MessageInbox | undefined;
      const loginAt = Date.now();
      const c = await user('C', false, {}, (client) => (inbox = new MessageInbox(client)));
      expect(await a.client.sendMessageToPeer({ text: 'live' }, 'C')).to.deep.equal({ hasPeerReceived: true });
      await inbox!.count(3, 3000);
      expect(inbox!.got.map(({ from, offline, message }) => ({ from, offline, message }))).to.deep.equal([
        { from: 'A', offline: true, message: { messageType: 'TEXT', text: 'o0' } },
        { from: 'A', offline: true, message: { messageType: 'TEXT', text: 'o2' } },
        { from: 'A', offline: false, message: { messageType: 'TEXT', text: 'live' } },
      ]);
      expect(inbox!.got[0].ts).to.be.within(sentAt[0], sentAt[1]);
      expect(inbox!.got[1].ts).to.be.within(sentAt[2], loginAt - 900);
      expect(inbox!.got[2].ts).to.be.at.least(loginAt);
      // Taken once: the next login gets nothing again.
      await c.client.logout();
      await sleep(600); // BEHAVIOUR §5.4: at most 2 logins of a uid a second
      await c.client.login({ uid: 'C', token: token('C') });
      await sleep(500);
      expect(inbox!.got.length).to.equal(3);
    },
  );

  it('an offline send to a peer in its grace answers true, arrives once, live, on its return; not kept', async () => {
    const a = await user('A', false);
    const b = await user('B', true, { interruptionThresholdMs: 1500 });
    const inbox = new MessageInbox(b.client);
    proxy.blackhole();
    await b.states.waitFor('RECONNECTING/INTERRUPTED', 6000);
    const answer = await a.client.sendMessageToPeer({ text: 'kept?' }, 'B', { enableOfflineMessaging: true });
    expect(answer).to.deep.equal({ hasPeerReceived: true });
    await proxy.pass();
    await inbox.count(1, 12_000);
    await b.client.logout();
    await sleep(600); // BEHAVIOUR §5.4: at most 2 logins of a uid a second
    await b.client.login({ uid: 'B', token: token('B') });
    await sleep(500);
    expect(inbox.got.map(({ from, offline, message }) => ({ from, offline, message }))).to.deep.equal([
      { from: 'A', offline: false, message: { messageType: 'TEXT', text: 'kept?' } },
    ]);
  });
});

describe('message guarantees on the real server (raw protocol)', function () {
  this.timeout(10_000);
  const start = serverFixture({ [APP]: SECRET });

  /** A raw user: its socket, its session, and the events it read so far. */
  interface RawUser {
    readonly client: RawClient;
    readonly welcome: Frame;
    readonly session: string;
    readonly events: Frame[];
  }

  async function login(server: RtmServer, uid: string, extra: { session?: string; seq?: number } = {}) {
    const client = await RawClient.connect(server.url);
    const welcome = await client.request({ t: 'login', app: APP, uid, token: weekLongToken(uid), ...extra });
    expect(welcome.t, JSON.stringify(welcome)).to.equal('welcome');
    return { client, welcome, session: welcome.session as string, events: [] as Frame[] } satisfies RawUser;
  }

  /** Sends a request and reads up to its reply; the events read meanwhile go to the user's events. */
  async function answer(who: RawUser, frame: { t: string; id: number } & Record<string, unknown>): Promise<Frame> {
    who.client.send(frame);
    for (;;) {
      const next = await who.client.next();
      if (next.id === frame.id) return next;
      who.events.push(next);
    }
  }

  /** Reads the frames that came within `ms` into the user's events; returns its messages as `from:text`. */
  async function messagesOf(who: RawUser, ms = 100): Promise<string[]> {
    await sleep(ms);
    while (who.client.pending.length > 0) who.events.push(await who.client.next());
    return who.events
      .filter(({ t }) => t === 'channelMessage' || t === 'peerMessage')
      .map((f) => `${String(f.from)}:${decoded(f)}`);
  }

  it('a channel message reaches members at acceptance: not the sender, one who left, one who joins later', async () => {
    const server = await start();
    const [alice, bob, carol, dave] = await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((uid) => login(server, uid)),
    );
    for (const who of [alice, bob, carol])
      expect((await answer(who, { t: 'join', id: 1, channel: 'room' })).t).to.equal('joined');
    expect(await answer(bob, { t: 'leave', id: 2, channel: 'room' })).to.deep.equal({ t: 'done', id: 2 });
    expect(await answer(alice, { t: 'sendChannel', id: 3, channel: 'room', ...text('first') })).to.deep.equal({
      t: 'done',
      id: 3,
    });
    expect((await answer(dave, { t: 'join', id: 4, channel: 'room' })).t).to.equal('joined');
    expect(await answer(alice, { t: 'sendChannel', id: 5, channel: 'room', ...text('second') })).to.deep.equal({
      t: 'done',
      id: 5,
    });
    const heard = await Promise.all([alice, bob, carol, dave].map((who) => messagesOf(who)));
    expect(heard).to.deep.equal([[], [], ['alice:first', 'alice:second'], ['alice:second']]);
  });

  it('no frame makes a message look sent by another uid, and a refused one delivers nothing', async () => {
    const server = await start({ presenceGraceMs: 5000 });
    const alice = await login(server, 'alice');
    const bob = await login(server, 'bob');
    const mallory = await login(server, 'mallory');
    for (const who of [alice, bob, mallory]) await answer(who, { t: 'join', id: 1, channel: 'room' });
    const forged = [
      { t: 'sendChannel', id: 2, channel: 'room', ...text('c'), from: 'alice' },
      { t: 'sendPeer', id: 3, to: 'bob', ...text('p'), from: 'alice', sender: 'alice', uid: 'alice' },
    ];
    expect(await answer(mallory, forged[0])).to.deep.equal({ t: 'done', id: 2 });
    expect(await answer(mallory, forged[1])).to.deep.equal({ t: 'sent', id: 3, received: true });
    // A server's frame sent to the server, and bad shapes of sends: refused, typed, nothing delivered.
    const refused: Array<[object, string]> = [
      [{ t: 'peerMessage', seq: 9, from: 'alice', ...text('x'), ts: 1 }, 'error PROTOCOL_ERROR'],
      [{ t: 'channelMessage', seq: 9, channel: 'room', from: 'alice', ...text('x'), ts: 1 }, 'error PROTOCOL_ERROR'],
      [{ t: 'sendChannel', id: 4, channel: 'room', type: 'TEXT', data: 7 }, 'fail PROTOCOL_ERROR'],
      [{ t: 'sendChannel', id: 5, channel: ['room'], ...text('x') }, 'fail PROTOCOL_ERROR'],
      [{ t: 'sendChannel', id: 6, channel: 'room', type: 'RAW', data: b64('x'), desc: 3 }, 'fail PROTOCOL_ERROR'],
      [
        { t: 'sendChannel', id: 7, channel: 'room', ...text('x'.repeat(Limits.messageBytes + 1)) },
        'fail LIMIT_EXCEEDED',
      ],
      [{ t: 'sendPeer', id: 8, to: 7, ...text('x') }, 'fail PROTOCOL_ERROR'],
    ];
    for (const [frame, expected] of refused) {
      const reply = await mallory.client.request(frame);
      expect(`${reply.t} ${String(reply.code)}`, JSON.stringify(frame).slice(0, 80)).to.equal(expected);
    }
    expect(await messagesOf(alice)).to.deep.equal(['mallory:c']);
    expect(await messagesOf(bob)).to.deep.equal(['mallory:c', 'mallory:p']);
    // Mallory offers alice's session (alice is inside her grace, a message held for her): a new session of
    // mallory's own, with none of alice's events; alice resumes hers and gets what was held.
    const aliceSeq = alice.events.at(-1)?.seq as number;
    alice.client.terminate();
    await alice.client.closed();
    expect(await answer(bob, { t: 'sendPeer', id: 2, to: 'alice', ...text('for alice') })).to.deep.equal({
      t: 'sent',
      id: 2,
      received: true,
    });
    const posing = await login(server, 'mallory', { session: alice.session, seq: 0 });
    expect(posing.session).to.not.equal(alice.session);
    expect(posing.welcome.resumed).to.not.equal(true);
    const back = await login(server, 'alice', { session: alice.session, seq: aliceSeq });
    expect(back.welcome.resumed).to.equal(true);
    expect(await messagesOf(back)).to.deep.equal(['bob:for alice']);
    expect(await messagesOf(posing)).to.deep.equal([]);
  });

  it('a peer silent past UNREACHABLE, in its grace, is logged in: received true, all there on its return', async () => {
    const server = await start({ presenceGraceMs: 5000, unreachableMs: 500 });
    const alice = await login(server, 'alice');
    const bob = await login(server, 'bob');
    for (const who of [alice, bob]) await answer(who, { t: 'join', id: 1, channel: 'room' });
    expect(await answer(alice, { t: 'subscribe', id: 2, uids: ['bob'] })).to.deep.equal({ t: 'done', id: 2 });
    bob.client.terminate();
    await bob.client.closed();
    await sleep(1000);
    expect(await answer(alice, { t: 'query', id: 3, uids: ['bob'] })).to.deep.equal({
      t: 'online',
      id: 3,
      online: { bob: true },
    });
    expect(alice.events.map(({ t, statuses }) => `${t} ${JSON.stringify(statuses)}`).slice(-1)).to.deep.equal([
      'status {"bob":"UNREACHABLE"}',
    ]);
    expect(await answer(alice, { t: 'sendPeer', id: 4, to: 'bob', ...text('peer') })).to.deep.equal({
      t: 'sent',
      id: 4,
      received: true,
    });
    expect(await answer(alice, { t: 'sendChannel', id: 5, channel: 'room', ...text('room') })).to.deep.equal({
      t: 'done',
      id: 5,
    });
    const back = await login(server, 'bob', { session: bob.session, seq: 0 });
    expect(back.welcome.resumed).to.equal(true);
    expect(await messagesOf(back)).to.deep.equal(['alice:peer', 'alice:room']);
  });

  it('offline messages: at most 200 per receiver across senders, the oldest dropped first, for 7 days', async () => {
    let wallOffsetMs = 0;
    const server = await start({
      clock: { monotonic: () => performance.now(), wall: () => Date.now() + wallOffsetMs },
    });
    const alice = await login(server, 'alice');
    const carol = await login(server, 'carol');
    /** Sends `count` offline messages from `who` to bob, `prefix` + their id, and reads their answers. */
    async function offline(who: RawUser, prefix: string, first: number, count: number) {
      for (let id = first; id < first + count; id++)
        who.client.send({ t: 'sendPeer', id, to: 'bob', ...text(`${prefix}${id}`), offline: true });
      for (let i = 0; i < count; i++) expect(await who.client.next()).to.deep.include({ t: 'sent', received: false });
    }
    await offline(alice, 'a', 1, 150);
    await offline(carol, 'c', 1, 55);
    const bob = await login(server, 'bob');
    const kept = await messagesOf(bob, 300);
    expect(kept).to.deep.equal([
      ...Array.from({ length: 145 }, (_, i) => `alice:a${i + 6}`),
      ...Array.from({ length: 55 }, (_, i) => `carol:c${i + 1}`),
    ]);
    expect(bob.events.map((f) => `${f.t} ${String(f.offline)} ${String(f.seq)}`)).to.deep.equal(
      Array.from({ length: 200 }, (_, i) => `peerMessage true ${i + 1}`),
    );
    bob.client.send({ t: 'logout' });
    await bob.client.closed();

    // Kept 7 days: one sent 7 days and a moment before the next login is gone, one sent a day later is not.
    await offline(alice, 'old', 151, 1);
    wallOffsetMs = DAY_MS;
    await offline(alice, 'recent', 152, 1);
    wallOffsetMs = 7 * DAY_MS + 1;
    expect(await messagesOf(await login(server, 'bob'), 300)).to.deep.equal(['alice:recent152']);
  });
});
