/**
 * Two rx-rtm nodes on a Redis Cluster of three primaries, each with a replica
 * (spec/support/redis-cluster.ts): the primary that holds the app's slot (every
 * key of an app is in the slot of its hash tag) is SIGKILLed while users on
 * both nodes talk, its replica is promoted after the cluster's node timeout
 * (1 s here), and the nodes follow it. Nodes are child processes and clients
 * the real client, as in cluster.spec.ts. Each block has its own Redis
 * Cluster: a failover uses its shard's replica up.
 */
import { performance } from 'node:perf_hooks';
import type { RtmClient } from '../../lib/node.js';
import type { RtmChannel } from '../../lib/client/rtm-channel.js';
import { channelAttributes } from '../../lib/channel-attributes.js';
import { appKeys } from '../../lib/store/redis/served-app.js';
import { RedisCluster, requireRedisCluster } from '../support/redis-cluster.js';
import { APP, Cluster, eventually, expect, onFailingRedis, sleep, token, type User } from './cluster-harness.js';

const GRACE_MS = 3000;
const UNREACHABLE_MS = 1000;
/** What every client that stayed must have seen, and nothing more. */
const STAYED = ['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS'];
/** A key in the slot of the app's keys: its primary is the one to kill. */
const APP_KEY = appKeys('rtm', APP).epoch;

/** A Redis Cluster with replicas for a `describe` block, and two nodes on it (see {@link onFailingRedis}). */
function onFailingCluster(title: string, tests: (redis: () => RedisCluster, cluster: () => Cluster) => void): void {
  onFailingRedis(
    title,
    (context) => {
      requireRedisCluster(context, 'Redis Cluster failover tests');
      return RedisCluster.startWithReplicas();
    },
    { nodes: 2, presenceGraceMs: GRACE_MS, unreachableMs: UNREACHABLE_MS },
    async (redis) => {
      const owner = await redis.ownerOf(APP_KEY);
      return redis.admin(redis.serverOn(owner), (admin) => admin.exists(`rtm:{${APP}}:swept`));
    },
    tests,
  );
}

/** The peer messages `client` receives, as `sender:text`, and when each came. */
function inbox(client: RtmClient): { texts: string[]; at: number[] } {
  const seen = { texts: [] as string[], at: [] as number[] };
  client.messageFromPeer$.subscribe(({ message, peerId }) => {
    seen.texts.push(`${peerId}:${'text' in message ? message.text : ''}`);
    seen.at.push(performance.now());
  });
  return seen;
}

/** Messages sent and answered, in the order they were sent, as `sender:text`. */
interface Sent {
  toBob: string[];
  toAlice: string[];
  room: string[];
}

/** Traffic running; stopped after each test even if a check failed (it would keep the process alive). */
const running = new Set<() => Promise<void>>();

/**
 * Alice and bob send each other a message every 100 ms, and `carol` one to her room every 500 ms, until stopped.
 * `next()`: alice's next message, as bob will see it; `failed()`: how many sends failed (none should: they wait).
 */
function startTraffic(alice: User, bob: User, carol?: { uid: string; channel: RtmChannel }) {
  const sent: Sent = { toBob: [], toAlice: [], room: [] };
  const settled: Array<Promise<unknown>> = [];
  let sending = true;
  let index = 0;
  let failed = 0;
  const track = (promise: Promise<unknown>, list: string[], text: string) =>
    settled.push(
      promise.then(
        () => list.push(text),
        () => failed++,
      ),
    );
  const loop = (async () => {
    for (; sending; index++) {
      track(alice.client.sendMessageToPeer({ text: `a${index}` }, bob.uid), sent.toBob, `${alice.uid}:a${index}`);
      track(bob.client.sendMessageToPeer({ text: `b${index}` }, alice.uid), sent.toAlice, `${bob.uid}:b${index}`);
      if (carol && index % 5 === 0)
        track(carol.channel.sendMessage({ text: `c${index}` }), sent.room, `${carol.uid}:c${index}`);
      await sleep(100);
    }
  })();
  const stop = async () => {
    sending = false;
    running.delete(stop);
    await loop;
    await Promise.all(settled);
  };
  running.add(stop);
  // (Between two sends the loop sleeps, its index at the last one sent.)
  return { sent, stop, next: () => `${alice.uid}:a${index + 1}`, failed: () => failed };
}

/** Resolves with the time `text` reached `inbox`; rejects after 10 s. */
async function arrival(seen: ReturnType<typeof inbox>, text: string): Promise<number> {
  await eventually(() => void expect(seen.texts, `${text} arrived`).to.include(text), 10_000);
  return seen.at[seen.texts.indexOf(text)];
}

/**
 * Alice (node 0) and bob (node 1) message each other while `fail()` fails the app slot's primary: once a message
 * sent after it crossed nodes, checks that every answered message arrived once and in order, that neither changed
 * state, and that no node found events lost; logs when the replica served and when messages flowed again.
 */
async function talkThroughFailover(
  redis: RedisCluster,
  cluster: Cluster,
  prefix: string,
  failure: string,
  fail: () => void | Promise<void>,
): Promise<void> {
  const errorsBefore = cluster.nodes.map((node) => node.errors.length);
  const alice = await cluster.user(`${prefix}-alice`, 0);
  const bob = await cluster.user(`${prefix}-bob`, 1);
  const toBob = inbox(bob.client);
  const toAlice = inbox(alice.client);
  const traffic = startTraffic(alice, bob);
  await sleep(500);

  const serving = await redis.ownerOf(APP_KEY);
  const failedAt = performance.now();
  await fail();
  const sentAfter = traffic.next();
  const promotedAt = await redis.promoted(APP_KEY, serving, 15_000);
  const flowingAt = await arrival(toBob, sentAfter);
  await sleep(300);
  await traffic.stop();
  console.log(
    `      replica serving ${(promotedAt - failedAt).toFixed(0)} ms after ${failure}; a message sent after it ` +
      `reached the other node ${(flowingAt - failedAt).toFixed(0)} ms after it`,
  );
  expect(traffic.failed()).to.equal(0);
  const answered = [traffic.sent.toBob, traffic.sent.toAlice];
  await eventually(() => void expect([toBob.texts, toAlice.texts]).to.deep.equal(answered), 5000);
  await sleep(500); // (no message twice, late)
  expect([toBob.texts, toAlice.texts]).to.deep.equal(answered);
  for (const user of [alice, bob]) expect(user.states.pairs, user.uid).to.deep.equal(STAYED);
  const errors = cluster.nodes.flatMap((node, index) => node.errors.slice(errorsBefore[index]));
  expect(errors.filter((error) => /Redis lost events/.test(error))).to.deep.equal([]);
}

describe('cluster on a Redis Cluster: the primary of the app slot fails and its replica takes over', function () {
  this.timeout(60_000);
  afterEach(async () => {
    await Promise.all([...running].map((stop) => stop()));
  });

  onFailingCluster('the primary killed (SIGKILL) during traffic', (redis, cluster) => {
    /** The primary the first test killed. */
    let killed: number | undefined;

    it(
      'nodes follow the promoted replica: messages flow again across nodes, each delivered once and in order; ' +
        'member and status events resume; a login waits; who stayed sees no change',
      async () => {
        const users: User[] = [];
        for (const [name, node] of [
          ['alice', 0],
          ['bob', 1],
          ['carol', 0],
          ['dave', 1],
          ['frank', 0],
        ] as const)
          users.push(await cluster().user(`k-${name}`, node));
        const [alice, bob, carol, dave, frank] = users;
        const rooms: Array<Awaited<ReturnType<typeof Cluster.join>>> = [];
        for (const user of users) rooms.push(await Cluster.join(user, 'k-room'));
        const statuses: Array<Record<string, string>> = [];
        dave.client.peersOnlineStatusChanged$.subscribe((change) => statuses.push(change));
        await dave.client.subscribePeersOnlineStatus([alice.uid, bob.uid, frank.uid, 'k-erin']);
        const toBob = inbox(bob.client);
        const toAlice = inbox(alice.client);
        const heard = rooms.map(({ channel }) => {
          const seen: string[] = [];
          channel.message$.subscribe(({ message, memberId }) =>
            seen.push(`${memberId}:${'text' in message ? message.text : ''}`),
          );
          return seen;
        });
        const traffic = startTraffic(alice, bob, { uid: carol.uid, channel: rooms[2].channel });
        await sleep(500);

        killed = await redis().ownerOf(APP_KEY);
        const killedAt = performance.now();
        await redis().kill(killed);
        const sentAfterKill = traffic.next();
        // A login during the outage, on the node that holds alice and carol.
        const erinLogin = cluster().user('k-erin', 0);
        const promotedAt = await redis().promoted(APP_KEY, killed, 15_000);
        const erin = await erinLogin;
        const flowingAt = await arrival(toBob, sentAfterKill);
        // Member and status events after the promotion: erin joins, frank leaves the room and logs out.
        const erinRoom = await Cluster.join(erin, 'k-room');
        // (The traffic stops first: frank hears the room's messages until he leaves.)
        await traffic.stop();
        await rooms[4].channel.leave();
        await frank.client.logout();
        await eventually(() => {
          for (const { log } of rooms.slice(0, 4)) {
            expect(log.of(erin.uid)).to.deep.equal(['joined']);
            expect(log.of(frank.uid)).to.deep.equal(['joined', 'left']);
          }
          expect(statuses.slice(1)).to.deep.equal([{ [erin.uid]: 'ONLINE' }, { [frank.uid]: 'OFFLINE' }]);
        }, 10_000);
        const { sent } = traffic;
        expect(traffic.failed()).to.equal(0);
        console.log(
          `      promoted ${(promotedAt - killedAt).toFixed(0)} ms after the kill; a message sent after the kill ` +
            `reached the other node ${(flowingAt - killedAt).toFixed(0)} ms after the kill ` +
            `(${sent.toBob.length + sent.toAlice.length + sent.room.length} messages)`,
        );

        await sleep(GRACE_MS + 1000); // long enough for anything wrongly left over to expire
        // Every message answered was delivered once, in order; the room's to every other member.
        expect([toBob.texts, toAlice.texts, ...heard]).to.deep.equal([
          sent.toBob,
          sent.toAlice,
          sent.room,
          sent.room,
          [],
          sent.room,
          sent.room,
        ]);
        for (const user of [alice, bob, carol, dave, erin]) expect(user.states.pairs, user.uid).to.deep.equal(STAYED);
        expect(frank.states.pairs).to.deep.equal([...STAYED, 'DISCONNECTED/LOGOUT']);
        // Each saw those who joined after it once, erin's join and frank's leave, and nobody else leave.
        rooms.slice(0, 4).forEach(({ log }, index) => {
          expect(log.events.map((event) => `${event.kind}:${event.uid}`)).to.deep.equal([
            ...users.slice(index + 1).map((user) => `joined:${user.uid}`),
            `joined:${erin.uid}`,
            `left:${frank.uid}`,
          ]);
        });
        expect(erinRoom.log.events.map((event) => `${event.kind}:${event.uid}`)).to.deep.equal([`left:${frank.uid}`]);
        expect((await erinRoom.channel.getMembers()).sort()).to.deep.equal(
          [alice, bob, carol, dave, erin].map((user) => user.uid).sort(),
        );
        expect(statuses).to.deep.equal([
          { [alice.uid]: 'ONLINE', [bob.uid]: 'ONLINE', [frank.uid]: 'ONLINE', [erin.uid]: 'OFFLINE' },
          { [erin.uid]: 'ONLINE' },
          { [frank.uid]: 'OFFLINE' },
        ]);
        for (const node of cluster().nodes) expect(node.alive).to.equal(true);
        // Nothing was lost: the replica had every write.
        const errors = cluster().nodes.flatMap((node) => node.errors);
        expect(errors.filter((error) => /Redis lost events/.test(error))).to.deep.equal([]);
      },
    );

    it(
      'then the killed primary, back as a replica, takes its slot back by a failover by hand: messages flow on, ' +
        'each delivered once and in order, nothing lost, nobody changes state',
      async () => {
        expect(killed, 'the test above killed a primary').to.be.a('number');
        await redis().rejoin(killed!);
        await talkThroughFailover(redis(), cluster(), 'h', 'CLUSTER FAILOVER', () => redis().failoverByHand(killed!));
        expect(await redis().ownerOf(APP_KEY)).to.equal(killed);
      },
    );

    it(
      'then that primary frozen (its host gone, its connections left open): the nodes give its connections up, ' +
        'follow the promoted replica, and messages flow again, each delivered once and in order',
      async () => {
        expect(await redis().ownerOf(APP_KEY), 'the test above moved the slot back').to.equal(killed);
        try {
          await talkThroughFailover(redis(), cluster(), 'f', 'the freeze', () => redis().serverOn(killed!).pause(true));
        } finally {
          // (Thawed, it would find itself demoted.)
          await redis().kill(killed!);
        }
      },
    );
  });

  onFailingCluster('with writes the dying primary acknowledged and never sent its replica', (redis, cluster) => {
    it(
      'nodes find them lost and write back the sessions they hold; clients reconcile with no state change; ' +
        'channel attributes and offline messages written then are lost',
      async () => {
        const alice = await cluster().user('lw-alice', 0);
        const bob = await cluster().user('lw-bob', 1);
        const aliceRoom = await Cluster.join(alice, 'lw-room');
        const bobRoom = await Cluster.join(bob, 'lw-room');
        const statuses: Array<Record<string, string>> = [];
        bob.client.peersOnlineStatusChanged$.subscribe((change) => statuses.push(change));
        await bob.client.subscribePeersOnlineStatus(['lw-frank']);
        const toBob = inbox(bob.client);

        const primary = await redis().ownerOf(APP_KEY);
        const replica = await redis().holdReplication(primary);
        // Acknowledged by the primary only: a login and a join, a user attribute, a message, a channel
        // attribute, an offline message.
        const frank = await cluster().user('lw-frank', 0);
        const frankRoom = await Cluster.join(frank, 'lw-room');
        await bob.client.setLocalUserAttributes({ mood: 'kept' });
        expect(await alice.client.sendMessageToPeer({ text: 'just before' }, bob.uid)).to.deep.equal({
          hasPeerReceived: true,
        });
        await channelAttributes(alice.client).set('lw-room', { topic: 'lost' });
        const offline = { enableOfflineMessaging: true };
        expect(await alice.client.sendMessageToPeer({ text: 'lost' }, 'lw-gone', offline)).to.deep.equal({
          hasPeerReceived: false,
        });
        await bobRoom.log.next('joined', frank.uid, 2000);
        await eventually(() => {
          expect(statuses).to.deep.equal([{ [frank.uid]: 'OFFLINE' }, { [frank.uid]: 'ONLINE' }]);
        }, 2000);
        const killedAt = performance.now();
        await redis().kill(primary);
        redis().resumeReplica(replica);
        const promotedAt = await redis().promoted(APP_KEY, primary, 15_000);

        // Redis holds again what the nodes hold (read on the promoted replica itself).
        await eventually(async () => {
          await redis().admin(replica, async (admin) => {
            expect(await admin.zrange(`rtm:{${APP}}:c:lw-room`, '0', '-1')).to.have.members([
              alice.uid,
              bob.uid,
              frank.uid,
            ]);
            expect(await admin.hget(`rtm:{${APP}}:ua:lw-bob`, 'mood')).to.equal('kept');
          });
        }, 10_000);
        const restoredAt = performance.now();
        console.log(
          `      promoted ${(promotedAt - killedAt).toFixed(0)} ms after the kill; ` +
            `Redis restored ${(restoredAt - promotedAt).toFixed(0)} ms after the promotion`,
        );
        await sleep(GRACE_MS + 1000);
        for (const user of [alice, bob, frank]) expect(user.states.pairs, user.uid).to.deep.equal(STAYED);
        expect(aliceRoom.log.of(frank.uid)).to.deep.equal(['joined']);
        expect(bobRoom.log.of(frank.uid)).to.deep.equal(['joined']);
        expect(bobRoom.log.of(alice.uid)).to.deep.equal([]);
        expect(frankRoom.log.events).to.deep.equal([]);
        expect(statuses).to.deep.equal([{ [frank.uid]: 'OFFLINE' }, { [frank.uid]: 'ONLINE' }]);
        expect(toBob.texts).to.deep.equal([`${alice.uid}:just before`]);
        expect(await alice.client.getUserAttributes(bob.uid)).to.deep.equal({ mood: 'kept' });
        expect((await frankRoom.channel.getMembers()).sort()).to.deep.equal([alice.uid, bob.uid, frank.uid]);
        // Data only Redis held, written in the lost moment, is gone: no node holds it to write it back.
        expect(await channelAttributes(bob.client).get('lw-room')).to.deep.equal({});
        const gone = cluster().client(1);
        const toGone = inbox(gone);
        await gone.login({ uid: 'lw-gone', token: token('lw-gone') });
        await sleep(500);
        expect(toGone.texts).to.deep.equal([]);
        const errors = cluster().nodes.flatMap((node) => node.errors);
        expect(errors.filter((error) => /Redis lost events this node had read/.test(error))).to.not.deep.equal([]);
      },
    );
  });
});
