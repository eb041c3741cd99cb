/**
 * Channel attributes and member counts over real sockets in the raw protocol
 * (BEHAVIOUR §5.6): who changed what and when, notifications to the members,
 * the limits and rates, and that a refused request changes nothing.
 */
import { expect } from 'chai';
import { createToken, type RtmServer } from '../../lib/server/index.js';
import { RawClient, serverFixture, type Frame } from './raw-client.js';

const secrets: Record<string, string> = { app1: 'secret1', app2: 'secret2' };
let lastId = 0;

async function ask(client: RawClient, frame: Record<string, unknown>): Promise<{ id: number; reply: Frame }> {
  const id = ++lastId;
  return { id, reply: await client.request({ ...frame, id }) };
}

async function expectDone(client: RawClient, frame: Record<string, unknown>): Promise<void> {
  const { id, reply } = await ask(client, frame);
  expect(reply, JSON.stringify(frame).slice(0, 200)).to.deep.equal({ t: 'done', id });
}

async function expectFail(client: RawClient, frame: Record<string, unknown>, code: string): Promise<void> {
  const { id, reply } = await ask(client, frame);
  expect(reply, JSON.stringify(frame).slice(0, 200)).to.deep.equal({ t: 'fail', id, code, message: reply.message });
}

/** The channel's attributes as `getChanAttrs` answers them, `ts` checked to lie in [from, to]. */
async function attributesOf(client: RawClient, channel: string, keys?: string[]): Promise<Frame['attributes']> {
  const { id, reply } = await ask(client, { t: 'getChanAttrs', channel, ...(keys ? { keys } : {}) });
  expect(reply).to.deep.equal({ t: 'chanAttributes', id, attributes: reply.attributes });
  return reply.attributes;
}

describe('channel attributes and member counts (raw protocol)', function () {
  this.timeout(8000);
  const start = serverFixture(secrets);

  async function login(server: RtmServer, appId: string, uid: string): Promise<RawClient> {
    const client = await RawClient.connect(server.url);
    const token = createToken({ appId, appSecret: secrets[appId], uid, expiresInSeconds: 60 });
    const welcome = await client.request({ t: 'login', app: appId, uid, token });
    expect(welcome.t, JSON.stringify(welcome)).to.equal('welcome');
    return client;
  }

  it('anyone writes, joined or not; each attribute says who changed it last and when; reads take keys', async () => {
    const server = await start();
    const alice = await login(server, 'app1', 'alice');
    const bob = await login(server, 'app1', 'bob');
    const before = Date.now();
    await expectDone(alice, { t: 'setChanAttrs', channel: 'room', op: 'set', attributes: { a: '1', b: '2' } });
    await expectDone(bob, { t: 'setChanAttrs', channel: 'room', op: 'merge', attributes: { b: '3' } });
    const after = Date.now();
    const read = (await attributesOf(bob, 'room')) as Record<string, { value: string; by: string; ts: number }>;
    expect(Object.fromEntries(Object.entries(read).map(([k, { value, by }]) => [k, { value, by }]))).to.deep.equal({
      a: { value: '1', by: 'alice' },
      b: { value: '3', by: 'bob' },
    });
    for (const { ts } of Object.values(read)) expect(ts).to.be.within(before, after);
    expect(read.b.ts).to.be.at.least(read.a.ts);
    expect(await attributesOf(alice, 'room', ['b', 'none'])).to.deep.equal({ b: read.b });
    await expectDone(bob, { t: 'setChanAttrs', channel: 'room', op: 'delete', keys: ['a'] });
    expect(await attributesOf(alice, 'room')).to.deep.equal({ b: read.b });
    await expectDone(bob, { t: 'setChanAttrs', channel: 'room', op: 'clear' });
    expect(await attributesOf(alice, 'room')).to.deep.equal({});
    // Apps are apart.
    const carol = await login(server, 'app2', 'carol');
    await expectDone(alice, { t: 'setChanAttrs', channel: 'room', op: 'set', attributes: { x: '1' } });
    expect(await attributesOf(carol, 'room')).to.deep.equal({});
  });

  it('with notify every member, the writer included, gets all the attributes; without, nobody', async () => {
    const server = await start();
    const alice = await login(server, 'app1', 'alice');
    const bob = await login(server, 'app1', 'bob');
    const carol = await login(server, 'app1', 'carol');
    await ask(alice, { t: 'join', channel: 'room' });
    await ask(bob, { t: 'join', channel: 'room' });
    await alice.next(); // bob joined
    await expectDone(carol, { t: 'setChanAttrs', channel: 'room', op: 'set', attributes: { a: '1' } });
    await Promise.all([alice.quiet(150), bob.quiet(150)]);
    // The writer hears the event before its reply: the store announces the change as it makes it.
    const { id, reply } = await ask(bob, {
      t: 'setChanAttrs',
      channel: 'room',
      op: 'merge',
      attributes: { b: '2' },
      notify: true,
    });
    const attributes = await attributesOf(carol, 'room');
    expect(reply).to.deep.equal({ t: 'chanAttrsUpdated', seq: 1, channel: 'room', attributes });
    expect(await bob.next()).to.deep.equal({ t: 'done', id });
    expect(await alice.next()).to.deep.equal({ t: 'chanAttrsUpdated', seq: 2, channel: 'room', attributes });
    await carol.quiet(150); // not a member
  });

  it('bad input and limits: the precise error, nothing changed, nobody told', async () => {
    const server = await start();
    const alice = await login(server, 'app1', 'alice');
    await ask(alice, { t: 'join', channel: 'room' });
    await expectDone(alice, { t: 'setChanAttrs', channel: 'room', op: 'set', attributes: { k: 'v' } });
    const kept = await attributesOf(alice, 'room');
    const write = (fields: Record<string, unknown>) => ({
      t: 'setChanAttrs',
      channel: 'room',
      notify: true,
      ...fields,
    });
    await expectFail(alice, write({ op: 'set', attributes: { '': 'v' } }), 'INVALID_ARGUMENT');
    await expectFail(alice, write({ op: 'merge', attributes: { ['x'.repeat(33)]: 'v' } }), 'INVALID_ARGUMENT');
    await expectFail(alice, write({ op: 'merge', attributes: { k: 'x'.repeat(8 * 1024 + 1) } }), 'INVALID_ARGUMENT');
    await expectFail(alice, write({ op: 'merge', attributes: { k: 1 } }), 'INVALID_ARGUMENT');
    await expectFail(alice, write({ op: 'delete', keys: [''] }), 'INVALID_ARGUMENT');
    await expectFail(alice, write({ op: 'set', attributes: { k: 'v' }, channel: 'a\u0000b' }), 'INVALID_ARGUMENT');
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']));
    await expectFail(alice, write({ op: 'set', attributes: many }), 'LIMIT_EXCEEDED');
    const full = (from: number, count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`big${from + i}`, 'x'.repeat(8 * 1024)]));
    await expectFail(alice, write({ op: 'merge', attributes: full(0, 4) }), 'LIMIT_EXCEEDED'); // one call over 32 KB
    await expectDone(alice, { t: 'setChanAttrs', channel: 'hall', op: 'set', attributes: full(0, 3) });
    const hall = await attributesOf(alice, 'hall');
    // Each call is within the limits; the channel would not be.
    await expectFail(alice, write({ op: 'merge', channel: 'hall', attributes: full(3, 1) }), 'LIMIT_EXCEEDED');
    expect(await attributesOf(alice, 'hall')).to.deep.equal(hall);
    expect(await attributesOf(alice, 'room')).to.deep.equal(kept);
    await alice.quiet(150);
  });

  it('the 11th write, or read, within 5 s → TOO_OFTEN; the 2nd member count within 1 s too', async () => {
    const server = await start();
    const alice = await login(server, 'app1', 'alice');
    for (let i = 0; i < 10; i++)
      await expectDone(alice, { t: 'setChanAttrs', channel: 'room', op: 'merge', attributes: { [`k${i}`]: 'v' } });
    await expectFail(alice, { t: 'setChanAttrs', channel: 'room', op: 'merge', attributes: { k10: 'v' } }, 'TOO_OFTEN');
    for (let i = 0; i < 10; i++)
      await attributesOf(alice, 'room', ['k10']).then((read) => expect(read).to.deep.equal({}));
    await expectFail(alice, { t: 'getChanAttrs', channel: 'room' }, 'TOO_OFTEN');
    const { id, reply } = await ask(alice, { t: 'counts', channels: ['room'] });
    expect(reply).to.deep.equal({ t: 'counts', id, counts: { room: 0 } });
    await expectFail(alice, { t: 'counts', channels: ['room'] }, 'TOO_OFTEN');
  });

  it('member counts of up to 32 channels, 0 for an empty one; a 33rd or a bad id is refused', async () => {
    const server = await start();
    const alice = await login(server, 'app1', 'alice');
    const bob = await login(server, 'app1', 'bob');
    await ask(alice, { t: 'join', channel: 'room' });
    await ask(bob, { t: 'join', channel: 'room' });
    await ask(bob, { t: 'join', channel: 'hall' });
    expect(await alice.next()).to.include({ t: 'member', uid: 'bob', joined: true });
    const thirtyThree = Array.from({ length: 33 }, (_, i) => `c${i}`);
    await expectFail(alice, { t: 'counts', channels: thirtyThree }, 'LIMIT_EXCEEDED');
    await expectFail(alice, { t: 'counts', channels: ['room', ''] }, 'INVALID_ARGUMENT');
    const { id, reply } = await ask(alice, { t: 'counts', channels: ['room', 'hall', 'empty'] });
    expect(reply).to.deep.equal({ t: 'counts', id, counts: { room: 2, hall: 1, empty: 0 } });
  });
});
