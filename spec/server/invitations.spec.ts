/**
 * Call invitations on the real server, frame by frame (BEHAVIOUR §7.5): what
 * each request is answered and what each side gets, a repeated `invite`
 * answered alike and rung once, every bad request refused with its code and
 * nothing sent, a late cancel told the outcome, the callee's logout, and a
 * refusal by a node on a shared store without them.
 */
import { expect } from 'chai';
import { createToken, type RtmServer } from '../../lib/server/index.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { RawClient, serverFixture } from './raw-client.js';

const secrets = { app1: 'secret1' };

async function login(server: RtmServer, uid: string) {
  const client = await RawClient.connect(server.url);
  const token = createToken({ appId: 'app1', appSecret: secrets.app1, uid, expiresInSeconds: 60 });
  const welcome = await client.request({ t: 'login', app: 'app1', uid, token });
  expect(welcome.t, JSON.stringify(welcome)).to.equal('welcome');
  return client;
}

const invite = (id: number, to: string, content = 'video?', channel = 'room') => ({
  t: 'invite',
  id,
  to,
  content,
  channel,
});

describe('server call invitations (raw protocol)', function () {
  this.timeout(5000);
  const start = serverFixture(secrets);

  it('rings the callee once, answers a repeated invite alike, and tells both sides the accept', async () => {
    const server = await start();
    const alice = await login(server, 'alice');
    const bob = await login(server, 'bob');
    expect(await alice.request(invite(1, 'bob'))).to.deep.equal({ t: 'call', id: 1, call: 'c1', state: 'RECEIVED' });
    expect(await bob.next()).to.deep.equal({
      t: 'invitation',
      seq: 1,
      call: 'c1',
      from: 'alice',
      content: 'video?',
      channel: 'room',
    });
    expect(await alice.request(invite(1, 'bob'))).to.deep.equal({ t: 'call', id: 1, call: 'c1', state: 'RECEIVED' });
    await bob.quiet(100);
    const accepted = { call: 'c1', state: 'ACCEPTED', response: 'yes' };
    expect(await bob.request({ t: 'callAnswer', id: 7, call: 'c1', accept: true, response: 'yes' })).to.deep.equal({
      t: 'call',
      id: 7,
      ...accepted,
    });
    expect(await alice.next()).to.deep.equal({ t: 'callState', seq: 1, ...accepted });
    // A cancel that crossed the accept is told the outcome and changes nothing.
    expect(await alice.request({ t: 'callCancel', id: 2, call: 'c1' })).to.deep.equal({
      t: 'call',
      id: 2,
      ...accepted,
    });
    await Promise.all([alice.quiet(100), bob.quiet(100)]);
  });

  it('fails PEER_OFFLINE at once for a callee not logged in, and when the callee logs out', async () => {
    const server = await start();
    const alice = await login(server, 'alice');
    expect(await alice.request(invite(1, 'bob'))).to.deep.equal({
      t: 'call',
      id: 1,
      call: 'c1',
      state: 'FAILED',
      reason: 'PEER_OFFLINE',
    });
    const bob = await login(server, 'bob');
    expect(await alice.request(invite(2, 'bob'))).to.deep.include({ call: 'c2', state: 'RECEIVED' });
    bob.send({ t: 'logout' });
    expect(await alice.next()).to.deep.equal({
      t: 'callState',
      seq: 1,
      call: 'c2',
      state: 'FAILED',
      reason: 'PEER_OFFLINE',
    });
  });

  it('refuses bad requests with INVALID_ARGUMENT, ringing and changing nothing', async () => {
    const server = await start();
    const alice = await login(server, 'alice');
    const bob = await login(server, 'bob');
    const refused = [
      invite(1, ''),
      invite(2, 'alice'),
      invite(3, 'bob', 'x', 'bad\u0000channel'),
      invite(4, 'bob', 'é'.repeat(4097)),
      { t: 'callCancel', id: 5, call: 'c9' },
    ];
    for (const frame of refused) {
      const reply = await alice.request(frame);
      expect([reply.t, reply.id, reply.code], JSON.stringify(frame)).to.deep.equal([
        'fail',
        frame.id,
        'INVALID_ARGUMENT',
      ]);
    }
    expect(await alice.request(invite(6, 'bob'))).to.deep.include({ call: 'c1', state: 'RECEIVED' });
    await bob.next();
    // Only the caller cancels, only the callee answers.
    for (const [client, frame] of [
      [bob, { t: 'callCancel', id: 1, call: 'c1' }],
      [alice, { t: 'callAnswer', id: 7, call: 'c1', accept: true, response: '' }],
      [bob, { t: 'callAnswer', id: 2, call: 'c1', accept: false, response: 'x'.repeat(8193) }],
    ] as const) {
      expect((await client.request(frame)).code).to.equal('INVALID_ARGUMENT');
    }
    await Promise.all([alice.quiet(100), bob.quiet(100)]);
  });

  it('a node on a shared store that does not offer invitations refuses them (UNKNOWN)', async () => {
    const memory = new MemoryStore();
    const shared = new Proxy(memory, {
      get: (store, name) => (name === 'shared' ? true : (Reflect.get(store, name, store) as unknown)),
    });
    const server = await start({ store: shared });
    const alice = await login(server, 'alice');
    await login(server, 'bob');
    expect(await alice.request(invite(1, 'bob'))).to.deep.equal({
      t: 'fail',
      id: 1,
      code: 'UNKNOWN',
      message: 'call invitations are not offered by this server: its store does not share them',
    });
  });
});
