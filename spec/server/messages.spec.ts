/**
 * Messages on the real server, frame by frame (BEHAVIOUR §7): what a send is
 * answered, what each receiver gets (and the sender does not), every bad
 * frame refused with its code and nothing delivered, a repeated id
 * answered alike and delivered once, the 180-in-3-s rate, and delivery to
 * a receiver inside its grace on its return.
 */
import { expect } from 'chai';
import { createToken, type RtmServer } from '../../lib/server/index.js';
import { RawClient, serverFixture, type Frame } from './raw-client.js';

const secrets = { app1: 'secret1' };
const b64 = (text: string) => Buffer.from(text).toString('base64');
const text = (value: string) => ({ type: 'TEXT', data: b64(value) });

async function login(server: RtmServer, uid: string, extra: { session?: string; seq?: number } = {}) {
  const client = await RawClient.connect(server.url);
  const token = createToken({ appId: 'app1', appSecret: secrets.app1, uid, expiresInSeconds: 60 });
  const welcome = await client.request({ t: 'login', app: 'app1', uid, token, ...extra });
  expect(welcome.t, JSON.stringify(welcome)).to.equal('welcome');
  return { client, session: welcome.session as string, welcome };
}

/** The frame without its server time, checked to be a recent wall-clock ms. */
function untimed(frame: Frame): Frame {
  const { ts, ...rest } = frame;
  expect(ts)
    .to.be.a('number')
    .within(Date.now() - 5000, Date.now());
  return rest;
}

describe('server messages (raw protocol)', function () {
  this.timeout(5000);
  const start = serverFixture(secrets);

  it('delivers a peer message to the receiver only; sent says received: true, false if offline', async () => {
    const server = await start();
    const alice = await login(server, 'alice');
    const bob = await login(server, 'bob');
    const raw = { type: 'RAW', data: Buffer.from([0, 255]).toString('base64'), desc: b64('d') };
    expect(await alice.client.request({ t: 'sendPeer', id: 1, to: 'bob', ...text('hi') })).to.deep.equal({
      t: 'sent',
      id: 1,
      received: true,
    });
    expect(await alice.client.request({ t: 'sendPeer', id: 2, to: 'bob', ...raw })).to.deep.equal({
      t: 'sent',
      id: 2,
      received: true,
    });
    expect(await alice.client.request({ t: 'sendPeer', id: 3, to: 'carol', ...text('x') })).to.deep.equal({
      t: 'sent',
      id: 3,
      received: false,
    });
    expect(untimed(await bob.client.next())).to.deep.equal({
      t: 'peerMessage',
      from: 'alice',
      ...text('hi'),
      seq: 1,
    });
    expect(untimed(await bob.client.next())).to.deep.equal({ t: 'peerMessage', from: 'alice', ...raw, seq: 2 });
    await bob.client.quiet(50);
    await alice.client.quiet(0);
  });

  it('answers a repeated id alike and delivers it once; a frame cannot claim another sender', async () => {
    const server = await start();
    const alice = await login(server, 'alice');
    const bob = await login(server, 'bob');
    const frame = { t: 'sendPeer', id: 7, to: 'bob', ...text('once'), from: 'mallory' };
    expect(await alice.client.request(frame)).to.deep.equal({ t: 'sent', id: 7, received: true });
    expect(await alice.client.request(frame)).to.deep.equal({ t: 'sent', id: 7, received: true });
    expect(untimed(await bob.client.next())).to.deep.equal({
      t: 'peerMessage',
      from: 'alice',
      ...text('once'),
      seq: 1,
    });
    await bob.client.quiet(50);
  });

  it('refuses bad sends with a typed fail and delivers nothing', async () => {
    const server = await start();
    const alice = await login(server, 'alice');
    const bob = await login(server, 'bob');
    const cases: Array<[object, string]> = [
      [{ t: 'sendPeer', id: 1, to: 'bob', type: 'TEXT', data: 5 }, 'PROTOCOL_ERROR'],
      [{ t: 'sendPeer', id: 2, to: 'bob', type: 'HTML', data: '' }, 'PROTOCOL_ERROR'],
      [{ t: 'sendPeer', id: 3, to: 'bob/x', ...text('x') }, 'INVALID_ARGUMENT'],
      [{ t: 'sendPeer', id: 4, to: 'null', ...text('x') }, 'INVALID_ARGUMENT'],
      [{ t: 'sendPeer', id: 5, to: 'bob', type: 'TEXT', data: 'not base64!' }, 'INVALID_ARGUMENT'],
      [{ t: 'sendPeer', id: 6, to: 'bob', type: 'TEXT', data: b64('x'), desc: b64('d') }, 'INVALID_ARGUMENT'],
      [{ t: 'sendPeer', id: 7, to: 'bob', type: 'TEXT', data: b64('x'.repeat(32 * 1024 + 1)) }, 'LIMIT_EXCEEDED'],
      [
        { t: 'sendPeer', id: 8, to: 'bob', type: 'RAW', data: b64('x'.repeat(32 * 1024)), desc: b64('d') },
        'LIMIT_EXCEEDED',
      ],
      [{ t: 'sendChannel', id: 9, channel: 'room', ...text('x') }, 'NOT_JOINED'],
      [{ t: 'sendChannel', id: 10, channel: '', ...text('x') }, 'INVALID_ARGUMENT'],
    ];
    for (const [frame, code] of cases) {
      const answer = await alice.client.request(frame);
      expect(answer, JSON.stringify(frame).slice(0, 100)).to.deep.include({ t: 'fail', code });
    }
    // A whole 32 KB message is fine.
    const whole = {
      t: 'sendPeer',
      id: 11,
      to: 'bob',
      type: 'RAW',
      data: b64('x'.repeat(32 * 1024 - 1)),
      desc: b64('d'),
    };
    expect(await alice.client.request(whole)).to.deep.equal({ t: 'sent', id: 11, received: true });
    expect((await bob.client.next()).seq).to.equal(1);
    await bob.client.quiet(50);
  });

  it('closes the socket of a 1 MB frame with 1009, delivering nothing', async () => {
    const server = await start();
    const alice = await login(server, 'alice');
    const bob = await login(server, 'bob');
    alice.client.send({ t: 'sendPeer', id: 1, to: 'bob', type: 'TEXT', data: 'A'.repeat(1024 * 1024) });
    expect((await alice.client.closed()).code).to.equal(1009);
    await bob.client.quiet(50);
  });

  it('refuses the 181st message within 3 s TOO_OFTEN, peer and channel together; a repeat is not counted', async () => {
    const server = await start();
    const alice = await login(server, 'alice');
    const bob = await login(server, 'bob');
    await alice.client.request({ t: 'join', id: 1000, channel: 'room' });
    await bob.client.request({ t: 'join', id: 1000, channel: 'room' });
    expect(await alice.client.next()).to.deep.include({ t: 'member', uid: 'bob' });
    const send = (id: number) =>
      id % 2
        ? { t: 'sendPeer', id, to: 'bob', ...text(`${id}`) }
        : { t: 'sendChannel', id, channel: 'room', ...text(`${id}`) };
    for (let id = 1; id <= 180; id++) alice.client.send(send(id));
    // Over the rate: a repeat of the last is answered as the first time; a new one is refused.
    alice.client.send(send(180));
    alice.client.send(send(181));
    const answers: Frame[] = [];
    for (let i = 0; i < 182; i++) answers.push(await alice.client.next());
    expect(answers.slice(0, 181).map((a) => `${a.t} ${String(a.id)}`)).to.deep.equal([
      ...Array.from({ length: 180 }, (_, i) => `${i % 2 ? 'done' : 'sent'} ${i + 1}`),
      'done 180',
    ]);
    expect(answers[181]).to.deep.include({ t: 'fail', id: 181, code: 'TOO_OFTEN' });
    const delivered: Frame[] = [];
    for (let i = 0; i < 180; i++) delivered.push(await bob.client.next());
    expect(delivered.map((f) => Buffer.from(f.data as string, 'base64').toString())).to.deep.equal(
      Array.from({ length: 180 }, (_, i) => `${i + 1}`),
    );
    await bob.client.quiet(50);
  });

  it(
    'sends a channel message to every other member, never the sender, and to a member inside ' +
      'its grace on its return',
    async () => {
      const server = await start({ presenceGraceMs: 2000 });
      const alice = await login(server, 'alice');
      const bob = await login(server, 'bob');
      const carol = await login(server, 'carol');
      for (const [id, who] of [alice, bob, carol].entries())
        await who.client.request({ t: 'join', id, channel: 'room' });
      // Member events: bob heard carol join; alice heard bob and carol.
      for (let i = 0; i < 2; i++) await alice.client.next();
      const bobSeq = (await bob.client.next()).seq as number;
      bob.client.terminate();
      await bob.client.closed();
      expect(await alice.client.request({ t: 'sendChannel', id: 5, channel: 'room', ...text('all') })).to.deep.equal({
        t: 'done',
        id: 5,
      });
      expect(await alice.client.request({ t: 'sendPeer', id: 6, to: 'bob', ...text('you') })).to.deep.equal({
        t: 'sent',
        id: 6,
        received: true,
      });
      expect(untimed(await carol.client.next())).to.deep.equal({
        t: 'channelMessage',
        channel: 'room',
        from: 'alice',
        ...text('all'),
        seq: 1,
      });
      await alice.client.quiet(50);
      const back = await login(server, 'bob', { session: bob.session, seq: bobSeq });
      expect(back.welcome.resumed).to.equal(true);
      expect(untimed(await back.client.next())).to.deep.include({
        t: 'channelMessage',
        from: 'alice',
        seq: bobSeq + 1,
      });
      expect(untimed(await back.client.next())).to.deep.include({ t: 'peerMessage', from: 'alice', seq: bobSeq + 2 });
      await back.client.quiet(50);
    },
  );

  it('keeps offline messages for a user logged out and delivers them once, in order, at its next login', async () => {
    const server = await start();
    const alice = await login(server, 'alice');
    for (let id = 1; id <= 3; id++) {
      const frame = { t: 'sendPeer', id, to: 'bob', ...text(`${id}`), offline: id !== 2 };
      expect(await alice.client.request(frame)).to.deep.equal({ t: 'sent', id, received: false });
    }
    const bob = await login(server, 'bob');
    expect(untimed(await bob.client.next())).to.deep.equal({
      t: 'peerMessage',
      from: 'alice',
      ...text('1'),
      offline: true,
      seq: 1,
    });
    expect(untimed(await bob.client.next())).to.deep.equal({
      t: 'peerMessage',
      from: 'alice',
      ...text('3'),
      offline: true,
      seq: 2,
    });
    await bob.client.quiet(50);
    bob.client.send({ t: 'logout' });
    await bob.client.closed();
    const again = await login(server, 'bob');
    await again.client.quiet(50);
  });
});
