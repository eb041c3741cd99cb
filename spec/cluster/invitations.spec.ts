/**
 * Call invitations across cluster nodes (BEHAVIOUR §7.5): two server nodes in this process on one real
 * redis-server, raw-protocol clients on each. A call across the nodes accepted; crossing accept and cancel, each
 * from its own node, decided once; expiry and PEER_NO_RESPONSE; a callee not logged in; a callee's logout; a caller
 * that moves to the other node within its grace keeps its invitation.
 */
import { expect } from 'chai';
import { createToken, startServer, type RtmServer } from '../../lib/server/index.js';
import { RawClient, type Frame } from '../server/raw-client.js';
import { redisForSuite } from './cluster-harness.js';

const secrets = { app1: 'secret1' };
const token = (uid: string) => createToken({ appId: 'app1', appSecret: secrets.app1, uid, expiresInSeconds: 60 });

async function login(server: RtmServer, uid: string, resume?: { session: string; seq: number }) {
  const client = await RawClient.connect(server.url);
  const welcome = await client.request({ t: 'login', app: 'app1', uid, token: token(uid), ...resume });
  expect(welcome.t, JSON.stringify(welcome)).to.equal('welcome');
  return { client, session: welcome.session as string };
}

/** The next `count` frames, the reply first if one came among them (a node's event may overtake another's reply). */
async function frames(client: RawClient, count: number): Promise<Frame[]> {
  const got: Frame[] = [];
  while (got.length < count) got.push(await client.next(3000));
  return got.sort((a, b) => Number('seq' in a) - Number('seq' in b));
}

/** The frames up to and including `client`'s next reply: events a node delivered before it, then the reply. */
async function untilReply(client: RawClient): Promise<{ client: RawClient; reply: Frame; events: Frame[] }> {
  const events: Frame[] = [];
  for (;;) {
    const frame = await client.next(3000);
    if (!('seq' in frame)) return { client, reply: frame, events };
    events.push(frame);
  }
}

const invite = (id: number, to: string) => ({ t: 'invite', id, to, content: 'video?', channel: 'room' });

describe('call invitations across cluster nodes (a real redis-server)', function () {
  this.timeout(20_000);
  const redis = redisForSuite();
  let nodes: RtmServer[] = [];

  beforeEach(async () => {
    nodes = await Promise.all(
      [0, 1].map(() =>
        startServer({ port: 0, apps: secrets, redisUrl: redis().url, invitationTimes: { ackMs: 600, expireMs: 1500 } }),
      ),
    );
  });

  afterEach(async () => {
    RawClient.terminateAll();
    await Promise.all(nodes.map((node) => node.close()));
  });

  it('rings a callee on the other node, and both sides see its accept', async () => {
    const { client: alice } = await login(nodes[0], 'alice1');
    const { client: bob } = await login(nodes[1], 'bob1');
    alice.send(invite(1, 'bob1'));
    const ring = await bob.next(3000);
    const call = ring.call as string;
    expect(ring).to.deep.equal({ t: 'invitation', seq: 1, call, from: 'alice1', content: 'video?', channel: 'room' });
    expect(await frames(alice, 2)).to.deep.equal([
      { t: 'call', id: 1, call, state: 'SENT' },
      { t: 'callState', seq: 1, call, state: 'RECEIVED' },
    ]);
    // The same request again is the same invitation: nothing rings twice.
    expect(await alice.request(invite(1, 'bob1'))).to.deep.equal({ t: 'call', id: 1, call, state: 'RECEIVED' });
    const accepted = { call, state: 'ACCEPTED', response: 'yes' };
    expect(await bob.request({ t: 'callAnswer', id: 5, call, accept: true, response: 'yes' })).to.deep.equal({
      t: 'call',
      id: 5,
      ...accepted,
    });
    expect(await alice.next(3000)).to.deep.equal({ t: 'callState', seq: 2, ...accepted });
    expect(await alice.request({ t: 'callCancel', id: 2, call })).to.deep.equal({ t: 'call', id: 2, ...accepted });
    await Promise.all([alice.quiet(200), bob.quiet(200)]);
  });

  it('decides an accept and a cancel that cross, each from its own node, once: both sides agree', async () => {
    const { client: alice } = await login(nodes[0], 'alice2');
    const { client: bob } = await login(nodes[1], 'bob2');
    const outcomes = new Set<string>();
    for (let round = 1; round <= 8; round++) {
      alice.send(invite(round * 10, 'bob2'));
      const call = (await bob.next(3000)).call as string;
      await frames(alice, 2); // the reply and RECEIVED
      alice.send({ t: 'callCancel', id: round * 10 + 1, call });
      bob.send({ t: 'callAnswer', id: round, call, accept: true, response: 'ok' });
      // Each side gets its reply, and the side whose request lost also an event (before or after its reply).
      const [aliceHeard, bobHeard] = await Promise.all([untilReply(alice), untilReply(bob)]);
      const decided = aliceHeard.reply.state as string;
      expect(bobHeard.reply.state, `round ${round}`).to.equal(decided);
      const [loser, winner] = decided === 'ACCEPTED' ? [aliceHeard, bobHeard] : [bobHeard, aliceHeard];
      expect(winner.events, `round ${round}`).to.deep.equal([]);
      const news = loser.events.length > 0 ? loser.events : [await loser.client.next(3000)];
      expect(news).to.have.length(1);
      expect(news[0]).to.deep.include({ t: 'callState', call, state: decided });
      outcomes.add(decided);
      await Promise.all([alice.quiet(100), bob.quiet(100)]);
    }
    expect([...outcomes].every((state) => state === 'ACCEPTED' || state === 'CANCELED')).to.equal(true);
  });

  it('expires a call nobody answers, and fails PEER_NO_RESPONSE when the callee has no link', async () => {
    const { client: alice } = await login(nodes[0], 'alice3');
    const { client: bob } = await login(nodes[1], 'bob3');
    alice.send(invite(1, 'bob3'));
    const call = (await bob.next(3000)).call as string;
    await frames(alice, 2);
    const expired = { call, state: 'FAILED', reason: 'INVITATION_EXPIRE' };
    expect(await alice.next(4000)).to.deep.equal({ t: 'callState', seq: 2, ...expired });
    expect(await bob.next(4000)).to.deep.equal({ t: 'callState', seq: 2, ...expired });

    bob.terminate(); // its session waits out its grace, and its client gets nothing
    await new Promise((resolve) => setTimeout(resolve, 300)); // its node saw the socket go
    const sent = await alice.request(invite(2, 'bob3'));
    expect(sent).to.deep.include({ t: 'call', id: 2, state: 'SENT' });
    expect(await alice.next(3000)).to.deep.equal({
      t: 'callState',
      seq: 3,
      call: sent.call,
      state: 'FAILED',
      reason: 'PEER_NO_RESPONSE',
    });
  });

  it('fails PEER_OFFLINE at once for a callee not logged in anywhere, and when the callee logs out', async () => {
    const { client: alice } = await login(nodes[0], 'alice4');
    const offline = await alice.request(invite(1, 'bob4'));
    expect(offline).to.deep.include({ t: 'call', id: 1, state: 'FAILED', reason: 'PEER_OFFLINE' });
    const { client: bob } = await login(nodes[1], 'bob4');
    alice.send(invite(2, 'bob4'));
    const call = (await bob.next(3000)).call as string;
    await frames(alice, 2);
    bob.send({ t: 'logout' });
    expect(await alice.next(3000)).to.deep.equal({
      t: 'callState',
      seq: 2,
      call,
      state: 'FAILED',
      reason: 'PEER_OFFLINE',
    });
  });

  it('keeps the invitation of a caller that moves to the other node within its grace', async () => {
    const first = await login(nodes[0], 'alice5');
    const { client: bob } = await login(nodes[1], 'bob5');
    first.client.send(invite(1, 'bob5'));
    const call = (await bob.next(3000)).call as string;
    await frames(first.client, 2); // seq 1: RECEIVED
    first.client.terminate();
    const { client: alice } = await login(nodes[1], 'alice5', { session: first.session, seq: 1 });
    await alice.quiet(100);
    expect(await bob.request({ t: 'callAnswer', id: 3, call, accept: false, response: 'busy' })).to.deep.include({
      state: 'REFUSED',
    });
    expect(await alice.next(3000)).to.deep.equal({ t: 'callState', seq: 2, call, state: 'REFUSED', response: 'busy' });
  });
});
