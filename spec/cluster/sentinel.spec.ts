/**
 * Two rx-rtm nodes on a Redis primary found through three Sentinels
 * (spec/support/sentinel-group.ts): the primary is SIGKILLed during
 * traffic, the Sentinels promote its replica, and the nodes follow it.
 * Nodes are child processes and clients the real client, as in
 * cluster.spec.ts. Each block has its own group: a failover uses it up.
 */
import { performance } from 'node:perf_hooks';
import type { RtmClient } from '../../lib/node.js';
import { requireRedis } from '../support/redis-process.js';
import { SentinelGroup } from '../support/sentinel-group.js';
import { APP, Cluster, clusterFor, eventually, expect, sleep, type User } from './cluster-harness.js';

const GRACE_MS = 3000;
const UNREACHABLE_MS = 1000;
/** What every client that stayed must have seen, and nothing more. */
const STAYED = ['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS'];

/**
 * A Sentinel group for a `describe` block; the nodes of a block inside it
 * stop before it does (mocha runs a block's `after` hooks in their order).
 */
function sentinelGroup(): () => SentinelGroup {
  let group: SentinelGroup | undefined;
  before(async function () {
    this.timeout(30_000);
    requireRedis(this, 'Sentinel failover tests');
    group = await SentinelGroup.start();
  });
  after(async () => {
    await group?.stop();
  });
  return () => group!;
}

/** The peer messages `client` receives, as `sender:text`. */
function inbox(client: RtmClient): string[] {
  const seen: string[] = [];
  client.messageFromPeer$.subscribe(({ message, peerId }) =>
    seen.push(`${peerId}:${'text' in message ? message.text : ''}`),
  );
  return seen;
}

describe('cluster on Sentinel: the primary dies and its replica takes over', function () {
  this.timeout(60_000);

  describe('during traffic', () => {
    const group = sentinelGroup();
    describe('two nodes', () => {
      const cluster = clusterFor(group, { nodes: 2, presenceGraceMs: GRACE_MS, unreachableMs: UNREACHABLE_MS });

      it('nodes follow the promoted replica within 10 s; those who stayed see no change; a login waits', async () => {
        const users: User[] = [];
        for (const [uid, node] of [
          ['fo-alice', 0],
          ['fo-bob', 1],
          ['fo-carol', 0],
          ['fo-dave', 1],
        ] as const)
          users.push(await cluster().user(uid, node));
        const [alice, bob] = users;
        const rooms: Array<Awaited<ReturnType<typeof Cluster.join>>> = [];
        for (const user of users) rooms.push(await Cluster.join(user, 'fo-room'));
        const statuses: Array<Record<string, string>> = [];
        users[3].client.peersOnlineStatusChanged$.subscribe((change) => statuses.push(change));
        await users[3].client.subscribePeersOnlineStatus(['fo-alice', 'fo-bob']);
        const toBob = inbox(bob.client);
        const toAlice = inbox(alice.client);
        const heard = rooms.map(({ channel }) => {
          const seen: string[] = [];
          channel.message$.subscribe(({ message, memberId }) =>
            seen.push(`${memberId}:${'text' in message ? message.text : ''}`),
          );
          return seen;
        });

        // Traffic both ways, and in the room, until the failover is over.
        const sent = { toBob: [] as string[], toAlice: [] as string[], room: [] as string[] };
        const settled: Array<Promise<unknown>> = [];
        let sending = true;
        const traffic = (async () => {
          for (let i = 0; sending; i++) {
            const track = (promise: Promise<unknown>, list: string[], text: string) =>
              settled.push(promise.then(() => list.push(text)));
            track(alice.client.sendMessageToPeer({ text: `a${i}` }, 'fo-bob'), sent.toBob, `fo-alice:a${i}`);
            track(bob.client.sendMessageToPeer({ text: `b${i}` }, 'fo-alice'), sent.toAlice, `fo-bob:b${i}`);
            if (i % 5 === 0) track(rooms[2].channel.sendMessage({ text: `c${i}` }), sent.room, `fo-carol:c${i}`);
            await sleep(100);
          }
        })();
        await sleep(500);

        const killedAt = performance.now();
        await group().primary.kill();
        // A login during the outage (on the node that holds alice and carol).
        const erinLogin = cluster().user('fo-erin', 0);
        const promotedAt = await group().promoted(15_000);
        const erin = await erinLogin;
        const erinRoom = await Cluster.join(erin, 'fo-room');
        await eventually(async () => {
          for (const { log } of rooms) expect(log.of('fo-erin')).to.deep.equal(['joined']);
          // Both nodes answer from the new primary.
          expect(await users[3].client.queryPeersOnlineStatus(['fo-erin', 'fo-alice'])).to.deep.equal({
            'fo-erin': true,
            'fo-alice': true,
          });
        }, 10_000);
        sending = false;
        await traffic;
        await Promise.all(settled);
        const convergedAt = performance.now();
        console.log(
          `      promoted ${(promotedAt - killedAt).toFixed(0)} ms after the kill; ` +
            `converged ${(convergedAt - promotedAt).toFixed(0)} ms after the promotion ` +
            `(${sent.toBob.length + sent.toAlice.length + sent.room.length} messages)`,
        );
        expect(convergedAt - promotedAt).to.be.below(10_000);

        await eventually(() => {
          expect(toBob.length).to.be.at.least(sent.toBob.length);
          expect(toAlice.length).to.be.at.least(sent.toAlice.length);
        }, 3000);
        await sleep(GRACE_MS + 1000); // long enough for anything wrongly left over to expire
        // Every message answered was delivered once, in order; the room's to every other member.
        expect(toBob).to.deep.equal(sent.toBob);
        expect(toAlice).to.deep.equal(sent.toAlice);
        expect(heard).to.deep.equal([sent.room, sent.room, [], sent.room]);
        for (const user of users) expect(user.states.pairs, user.uid).to.deep.equal(STAYED);
        expect(erin.states.pairs).to.deep.equal(STAYED);
        // Each saw those who joined after it (erin too), once; nobody left.
        rooms.forEach(({ log }, index) =>
          expect(log.events.map(({ kind, uid }) => `${kind}:${uid}`)).to.deep.equal(
            [...users.slice(index + 1), erin].map(({ uid }) => `joined:${uid}`),
          ),
        );
        expect(erinRoom.log.events).to.deep.equal([]);
        expect((await erinRoom.channel.getMembers()).sort()).to.deep.equal(
          ['fo-alice', 'fo-bob', 'fo-carol', 'fo-dave', 'fo-erin'].sort(),
        );
        expect(statuses).to.deep.equal([{ 'fo-alice': 'ONLINE', 'fo-bob': 'ONLINE' }]);
        for (const node of cluster().nodes) expect(node.alive).to.equal(true);
      });
    });
  });

  describe('with writes the dying primary acknowledged and never sent its replica', () => {
    const group = sentinelGroup();
    describe('two nodes', () => {
      const cluster = clusterFor(group, { nodes: 2, presenceGraceMs: GRACE_MS, unreachableMs: UNREACHABLE_MS });

      it('nodes find them lost, write back what they hold, and clients reconcile with no state change', async () => {
        const alice = await cluster().user('lw-alice', 0);
        const bob = await cluster().user('lw-bob', 1);
        const aliceRoom = await Cluster.join(alice, 'lw-room');
        const bobRoom = await Cluster.join(bob, 'lw-room');

        await group().holdReplication();
        // Acknowledged by the primary only: a login and a join, an attribute, a message.
        const frank = await cluster().user('lw-frank', 0);
        await Cluster.join(frank, 'lw-room');
        await bob.client.setLocalUserAttributes({ mood: 'kept' });
        const toBob = inbox(bob.client);
        expect(await alice.client.sendMessageToPeer({ text: 'just before' }, 'lw-bob')).to.deep.equal({
          hasPeerReceived: true,
        });
        await bobRoom.log.next('joined', 'lw-frank', 1000);
        const killedAt = performance.now();
        await group().primary.kill();
        group().resumeReplica();
        const promotedAt = await group().promoted(15_000);

        // Redis holds again what the nodes hold.
        const admin = cluster().admin!;
        await eventually(async () => {
          expect(await admin.zrange(`rtm:{${APP}}:c:lw-room`, '0', '-1')).to.have.members([
            'lw-alice',
            'lw-bob',
            'lw-frank',
          ]);
          expect(await admin.hget(`rtm:{${APP}}:ua:lw-bob`, 'mood')).to.equal('kept');
        }, 10_000);
        const convergedAt = performance.now();
        console.log(
          `      promoted ${(promotedAt - killedAt).toFixed(0)} ms after the kill; ` +
            `Redis restored ${(convergedAt - promotedAt).toFixed(0)} ms after the promotion`,
        );
        expect(convergedAt - promotedAt).to.be.below(10_000);
        await sleep(GRACE_MS + 1000);
        for (const user of [alice, bob, frank]) expect(user.states.pairs, user.uid).to.deep.equal(STAYED);
        expect(aliceRoom.log.of('lw-frank')).to.deep.equal(['joined']);
        expect(bobRoom.log.of('lw-frank')).to.deep.equal(['joined']);
        expect(bobRoom.log.of('lw-alice')).to.deep.equal([]);
        expect(toBob).to.deep.equal(['lw-alice:just before']);
        expect(await alice.client.getUserAttributes('lw-bob')).to.deep.equal({ mood: 'kept' });
        expect((await frank.client.createChannel('lw-room').getMembers()).sort()).to.deep.equal([
          'lw-alice',
          'lw-bob',
          'lw-frank',
        ]);
        expect(
          cluster()
            .nodes.flatMap((node) => node.errors)
            .some((error) => /lost/.test(error)),
        ).to.equal(true);
      });
    });
  });
});
