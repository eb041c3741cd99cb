/**
 * Several rx-rtm nodes on one Redis, end to end: nodes are child processes
 * (so one can be SIGKILLed), clients are the real client (lib/node.js)
 * reaching each node through a fault proxy, Redis a real redis-server this
 * suite starts, kills and restarts. Presence graces are shortened (3 s,
 * UNREACHABLE after 1 s) except in the test about the default 30 s.
 *
 * Each test uses its own uids and channels, so the nodes are shared by the
 * tests of a block.
 */
import { performance } from 'node:perf_hooks';
import { redisClusterForSuite } from '../support/redis-cluster.js';
import { channelAttributes } from '../../lib/channel-attributes.js';
import { APP, Cluster, clusterFor, eventually, expect, redisForSuite, sleep, token } from './cluster-harness.js';

const GRACE_MS = 3000;
const UNREACHABLE_MS = 1000;
/** The client's heartbeat interval (its default). */
const HEARTBEAT_MS = 1000;

describe('cluster: several nodes sharing presence on Redis', function () {
  this.timeout(60_000);
  const redis = redisForSuite();

  describe('two nodes', () => {
    const cluster = clusterFor(redis, { nodes: 2, presenceGraceMs: GRACE_MS, unreachableMs: UNREACHABLE_MS });
    acrossTwoNodes(cluster);

    it('two simultaneous logins of one uid on two nodes end with exactly one instance CONNECTED', async function () {
      // 50 times out of 50.
      this.timeout(90_000);
      const outcomes = new Map<string, number>();
      for (let i = 0; i < 50; i++) {
        const uid = `race-${i}`;
        const one = cluster().client(0);
        const two = cluster().client(1);
        await Promise.allSettled([one.login({ uid, token: token(uid) }), two.login({ uid, token: token(uid) })]);
        const connected = () => [one, two].filter((client) => client.connectionState.state === 'CONNECTED').length;
        await eventually(() => {
          expect(connected(), `race ${i}`).to.equal(1);
        }, 2000);
        await sleep(100);
        expect(connected(), `race ${i}, a moment later`).to.equal(1);
        const loser = [one, two].find((client) => client.connectionState.state !== 'CONNECTED')!;
        const pair = `${loser.connectionState.state}/${loser.connectionState.reason}`;
        outcomes.set(pair, (outcomes.get(pair) ?? 0) + 1);
        await cluster().dropClients();
      }
      console.log(`      the other instance ended ${JSON.stringify(Object.fromEntries(outcomes))}`);
      for (const pair of outcomes.keys())
        expect(['ABORTED/REMOTE_LOGIN', 'DISCONNECTED/LOGIN_FAILURE']).to.include(pair);
    });

    it('channel attributes set on one node are read and notified on the other; member counts agree', async () => {
      const bob = await cluster().user('ca-bob', 1);
      await Cluster.join(bob, 'ca-room');
      const alice = await cluster().user('ca-alice', 0);
      await Cluster.join(alice, 'ca-room');
      const heard: unknown[] = [];
      channelAttributes(bob.client)
        .updated$('ca-room')
        .subscribe((attributes) => heard.push(attributes));
      channelAttributes(alice.client)
        .updated$('ca-room')
        .subscribe((attributes) => heard.push(attributes));
      await channelAttributes(alice.client).set(
        'ca-room',
        { topic: 'hello' },
        { enableNotificationToChannelMembers: true },
      );
      const read = await channelAttributes(bob.client).get('ca-room');
      expect(read).to.deep.equal({
        topic: { value: 'hello', lastUpdateUserId: 'ca-alice', lastUpdateTs: read.topic.lastUpdateTs },
      });
      await eventually(() => void expect(heard).to.deep.equal([read, read]), 1000);
      expect(await channelAttributes(bob.client).memberCounts(['ca-room', 'ca-none'])).to.deep.equal({
        'ca-room': 2,
        'ca-none': 0,
      });
      await channelAttributes(bob.client).clear('ca-room');
      expect(await channelAttributes(alice.client).get('ca-room')).to.deep.equal({});
    });

    it(
      'channel attributes hold across a node change and a node restart (they live in Redis); a notification ' +
        'missed while moving comes once, on the resume',
      async () => {
        const alice = await cluster().user('cn-alice', 0);
        const bob = await cluster().user('cn-bob', 1);
        await Cluster.join(alice, 'cn-room');
        await Cluster.join(bob, 'cn-room');
        const notify = { enableNotificationToChannelMembers: true };
        const topics = (user: typeof alice) => {
          const heard: string[] = [];
          channelAttributes(user.client)
            .updated$('cn-room')
            .subscribe((attributes) => heard.push(attributes.topic?.value ?? ''));
          return heard;
        };
        const [aliceHeard, bobHeard] = [topics(alice), topics(bob)];
        await channelAttributes(alice.client).set('cn-room', { topic: 'one' }, notify);

        // The load balancer now sends alice to node 2, and her link breaks; bob writes meanwhile.
        cluster().proxies[0].retarget({ port: cluster().nodes[1].port });
        cluster().proxies[0].reset();
        await channelAttributes(bob.client).addOrUpdate('cn-room', { topic: 'two' }, notify);
        await eventually(() => void expect(aliceHeard).to.deep.equal(['one', 'two']), 4000);
        const two = await channelAttributes(alice.client).get('cn-room');
        expect(two).to.deep.equal({
          topic: { value: 'two', lastUpdateUserId: 'cn-bob', lastUpdateTs: two.topic.lastUpdateTs },
        });

        // Node 2, where both now are, is killed and started again; both come back to it within the grace.
        await cluster().restartNode(1);
        cluster().proxies[0].retarget({ port: cluster().nodes[1].port });
        await eventually(async () => {
          expect(await channelAttributes(alice.client).get('cn-room')).to.deep.equal(two);
        }, 4000);
        await channelAttributes(bob.client).addOrUpdate('cn-room', { topic: 'three' }, notify);
        await eventually(() => void expect(bobHeard).to.deep.equal(['one', 'two', 'three']), 2000);
        await eventually(() => void expect(aliceHeard).to.deep.equal(['one', 'two', 'three']), 2000);
        expect(await channelAttributes(alice.client).memberCounts(['cn-room'])).to.deep.equal({ 'cn-room': 2 });
        expect(alice.states.pairs.at(-1)).to.equal('CONNECTED/LOGIN_SUCCESS');
        cluster().proxies[0].retarget({ port: cluster().nodes[0].port });
      },
    );

    it(
      'a sender moved to another node while sending: its sends in flight are re-sent there and ' +
        'delivered once, in order',
      async () => {
        const alice = await cluster().user('h-alice', 0);
        const bob = await cluster().user('h-bob', 1);
        const toBob: string[] = [];
        bob.client.messageFromPeer$.subscribe(({ message }) => toBob.push('text' in message ? message.text : ''));
        const sends: Array<Promise<unknown>> = [];
        for (let i = 0; i < 40; i++) {
          sends.push(alice.client.sendMessageToPeer({ text: `${i}` }, 'h-bob'));
          if (i === 20) {
            // The load balancer now sends alice to node 2, and her link breaks with sends in flight.
            cluster().proxies[0].retarget({ port: cluster().nodes[1].port });
            cluster().proxies[0].reset();
          }
          await sleep(10);
        }
        expect(await Promise.all(sends)).to.deep.equal(Array(40).fill({ hasPeerReceived: true }));
        await eventually(() => {
          expect(toBob.length).to.be.at.least(40);
        }, 3000);
        await sleep(300);
        expect(toBob).to.deep.equal(Array.from({ length: 40 }, (_, i) => `${i}`));
        cluster().proxies[0].retarget({ port: cluster().nodes[0].port });
      },
    );

    it('bans hold cluster-wide: banned on node 2, the user on node 1 is ABORTED / BANNED_BY_SERVER', async () => {
      // No node lets it in until it is unbanned.
      const mallory = await cluster().user('b-mallory', 0);
      const peer = await cluster().user('b-peer', 1);
      await Cluster.join(mallory, 'b-room');
      const { log } = await Cluster.join(peer, 'b-room');
      await cluster().nodes[1].request({ cmd: 'ban', appId: APP, uid: 'b-mallory' });
      await mallory.states.waitFor('ABORTED/BANNED_BY_SERVER', 1000);
      await log.next('left', 'b-mallory', 1000);
      for (const index of [0, 1]) {
        await sleep(600);
        const refused = await cluster()
          .client(index)
          .login({ uid: 'b-mallory', token: token('b-mallory') })
          .then(
            () => 'logged in',
            (error: { code?: string }) => error.code,
          );
        expect(refused, `on node ${index + 1}`).to.equal('NOT_AUTHORIZED');
      }
      await cluster().nodes[0].request({ cmd: 'unban', appId: APP, uid: 'b-mallory' });
      await sleep(600);
      await cluster().user('b-mallory', 1);
    });

    it('heartbeats cost Redis nothing: nodes send Redis the same few calls a second for 4 clients or 40', async () => {
      // Idle clients ping every second.
      async function idleCost(clients: number): Promise<{ scripts: number; reads: number; pings: number }> {
        for (let i = 0; i < clients; i++) await cluster().user(`idle-${clients}-${i}`, i % 2);
        await sleep(1500);
        await cluster().commandsSince();
        const seconds = 3;
        await sleep(seconds * 1000);
        const { scripts, reads } = await cluster().commandsSince();
        await cluster().dropClients();
        return { scripts: scripts / seconds, reads: reads / seconds, pings: (clients * 1000) / HEARTBEAT_MS };
      }
      const few = await idleCost(4);
      const many = await idleCost(40);
      console.log(
        `      2 nodes, per second: 4 clients → ${few.pings} pings, ${few.scripts.toFixed(1)} script calls, ` +
          `${few.reads.toFixed(1)} stream reads; ` +
          `40 clients → ${many.pings} pings, ${many.scripts.toFixed(1)} script calls, ` +
          `${many.reads.toFixed(1)} stream reads`,
      );
      // Per node and second at most: 4 refreshes (one per 250 ms interval, for all its sessions), 5 sweeps
      // (every 250 ms ± 20 %) and 2 looks for due call invitations (every 500 ms), whatever the number of
      // clients; never one per ping.
      for (const cost of [few, many]) expect(cost.scripts).to.be.at.most(2 * (4 + 5 + 2));
      expect(many.scripts).to.be.below(many.pings / 2);
    });
  });

  describe('three nodes', () => {
    const cluster = clusterFor(redis, { nodes: 3, presenceGraceMs: GRACE_MS, unreachableMs: UNREACHABLE_MS });

    /** alice on node 1, bob on node 2, carol on node 3, all in `room`; sam on node 3 watches alice's status. */
    async function trio(prefix: string) {
      const alice = await cluster().user(`${prefix}-alice`, 0);
      const bob = await cluster().user(`${prefix}-bob`, 1);
      const carol = await cluster().user(`${prefix}-carol`, 2);
      const sam = await cluster().user(`${prefix}-sam`, 2);
      const statuses: Array<Record<string, string>> = [];
      sam.client.peersOnlineStatusChanged$.subscribe((change) => statuses.push(change));
      await sam.client.subscribePeersOnlineStatus([alice.uid]);
      const room = `${prefix}-room`;
      const bobSide = await Cluster.join(bob, room);
      const carolSide = await Cluster.join(carol, room);
      await Cluster.join(alice, room);
      await bobSide.log.next('joined', alice.uid, 1000);
      await carolSide.log.next('joined', alice.uid, 1000);
      await eventually(() => {
        expect(statuses).to.deep.equal([{ [alice.uid]: 'ONLINE' }]);
      }, 1000);
      return { alice, bob, carol, sam, statuses, logs: [bobSide.log, carolSide.log] };
    }

    it('a dark link: every member, on every node, sees MemberLeft exactly once, 0–1 s after the grace', async () => {
      // The grace counts from the last frame.
      const { alice, logs, statuses } = await trio('dark');
      proxyOf(0).blackhole();
      const lastFrameAt = proxyOf(0).lastForwardedUpAt;
      const delays: number[] = [];
      for (const log of logs)
        delays.push((await log.next('left', alice.uid, GRACE_MS + 3000)) - (lastFrameAt + GRACE_MS));
      await sleep(1500);
      console.log(
        `      MemberLeft ${delays.map((d) => d.toFixed(0)).join(' and ')} ms ` +
          `after the ${GRACE_MS} ms grace, on nodes 2 and 3`,
      );
      for (const delay of delays) expect(delay).to.be.within(0, 1000);
      for (const log of logs) expect(log.of(alice.uid)).to.deep.equal(['joined', 'left']);
      expect(statuses).to.deep.equal([
        { [alice.uid]: 'ONLINE' },
        { [alice.uid]: 'UNREACHABLE' },
        { [alice.uid]: 'OFFLINE' },
      ]);
      await proxyOf(0).pass();
    });

    it('a node killed (SIGKILL): its users leave once for every peer by the grace plus one heartbeat', async () => {
      // The other nodes' users see nothing else.
      const { alice, bob, carol, logs, statuses } = await trio('kill');
      const killedAt = performance.now();
      await cluster().nodes[0].kill();
      const after: number[] = [];
      for (const log of logs) after.push((await log.next('left', alice.uid, GRACE_MS + 3000)) - killedAt);
      await sleep(1500);
      console.log(
        `      after a SIGKILL, peers saw MemberLeft ${after.map((d) => d.toFixed(0)).join(' and ')} ms later ` +
          `(grace ${GRACE_MS} ms)`,
      );
      for (const delay of after) expect(delay).to.be.within(GRACE_MS - 1000, GRACE_MS + HEARTBEAT_MS);
      for (const log of logs)
        expect(log.events.filter((e) => e.at > killedAt).map((e) => `${e.kind} ${e.uid}`)).to.deep.equal([
          `left ${alice.uid}`,
        ]);
      expect(statuses).to.deep.equal([
        { [alice.uid]: 'ONLINE' },
        { [alice.uid]: 'UNREACHABLE' },
        { [alice.uid]: 'OFFLINE' },
      ]);
      for (const user of [bob, carol])
        expect(user.states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
      expect(
        cluster()
          .nodes.slice(1)
          .every((node) => node.alive),
      ).to.equal(true);
      await cluster().restartNode(0);
    });

    function proxyOf(index: number) {
      return cluster().proxies[index];
    }
  });

  describe('three nodes with the default 30 s grace', () => {
    const cluster = clusterFor(redis, { nodes: 3 });

    it('MemberLeft at 30 s (within one second after), exactly once, on every node', async () => {
      const alice = await cluster().user('d-alice', 0);
      const bob = await cluster().user('d-bob', 1);
      const carol = await cluster().user('d-carol', 2);
      const logs = [];
      for (const user of [bob, carol]) logs.push((await Cluster.join(user, 'd-room')).log);
      await Cluster.join(alice, 'd-room');
      for (const log of logs) await log.next('joined', 'd-alice', 1000);
      cluster().proxies[0].blackhole();
      const lastFrameAt = cluster().proxies[0].lastForwardedUpAt;
      const delays: number[] = [];
      for (const log of logs) delays.push((await log.next('left', 'd-alice', 33_000)) - (lastFrameAt + 30_000));
      await sleep(1000);
      console.log(
        `      MemberLeft ${delays.map((d) => d.toFixed(0)).join(' and ')} ms after the 30 s mark, on nodes 2 and 3`,
      );
      for (const delay of delays) expect(delay).to.be.within(0, 1000);
      for (const log of logs) expect(log.of('d-alice')).to.deep.equal(['joined', 'left']);
      await cluster().proxies[0].pass();
    });
  });

  describe('Redis unreachable or restarted', () => {
    const cluster = clusterFor(redis, { nodes: 3, presenceGraceMs: GRACE_MS, unreachableMs: UNREACHABLE_MS });

    it('Redis frozen for 2 s: heartbeats go on, a join made meanwhile completes after', async () => {
      // Peers hear it once; no client notices anything else.
      const alice = await cluster().user('f-alice', 0);
      const bob = await cluster().user('f-bob', 1);
      const { log: bobLog } = await Cluster.join(bob, 'f-room');
      redis().pause(true);
      let joined: string[] | undefined;
      const aliceRoom = alice.client.createChannel('f-room');
      const joining = aliceRoom.join().then(async () => (joined = (await aliceRoom.getMembers()).sort()));
      await sleep(2000);
      expect(joined).to.equal(undefined);
      redis().pause(false);
      await joining;
      expect(joined).to.deep.equal(['f-alice', 'f-bob']);
      await bobLog.next('joined', 'f-alice', 1000);
      await sleep(GRACE_MS); // nothing expired meanwhile, no resync, no duplicate
      expect(bobLog.of('f-alice')).to.deep.equal(['joined']);
      for (const user of [alice, bob])
        expect(user.states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
      expect(await bob.client.queryPeersOnlineStatus(['f-alice'])).to.deep.equal({ 'f-alice': true });
    });

    it('nodes reconnect and converge, and no client changed state', async function () {
      // The living are all there, the gone are gone (each MemberLeft once), attributes and statuses are back.
      this.timeout(60_000);
      const alice = await cluster().user('r-alice', 0);
      const bob = await cluster().user('r-bob', 1);
      const carol = await cluster().user('r-carol', 0);
      const frank = await cluster().user('r-frank', 2); // on the node that dies during the outage
      const sam = await cluster().user('r-sam', 1);
      const statuses: Array<Record<string, string>> = [];
      sam.client.peersOnlineStatusChanged$.subscribe((change) => statuses.push(change));
      await sam.client.subscribePeersOnlineStatus(['r-alice', 'r-carol']);
      const sides = new Map<string, Awaited<ReturnType<typeof Cluster.join>>>();
      for (const user of [alice, bob, carol, frank]) sides.set(user.uid, await Cluster.join(user, 'r-room'));
      await alice.client.setLocalUserAttributes({ k: 'alice' });
      await eventually(async () => {
        expect((await sides.get('r-bob')!.channel.getMembers()).length).to.equal(4);
      }, 2000);

      await redis().kill();
      await carol.client.logout(); // during the outage
      await cluster().nodes[2].kill(); // and frank's node dies with it
      await sleep(800);
      await redis().restart();

      const living = ['r-alice', 'r-bob'];
      const restartedAt = performance.now();
      // (Watching the events only: getMembers is rate-limited.)
      await eventually(() => {
        for (const user of [alice, bob]) {
          for (const gone of ['r-carol', 'r-frank'])
            expect(sides.get(user.uid)!.log.of(gone), `${user.uid} about ${gone}`).to.deep.equal(['joined', 'left']);
        }
      }, 10_000);
      console.log(`      converged ${(performance.now() - restartedAt).toFixed(0)} ms after Redis was back`);
      await sleep(GRACE_MS + 1000); // long enough for anything wrongly left over to expire
      for (const user of [alice, bob]) {
        const { channel, log } = sides.get(user.uid)!;
        expect((await channel.getMembers()).sort(), user.uid).to.deep.equal(living);
        // Each one gone left once; the living never left.
        for (const gone of ['r-carol', 'r-frank'])
          expect(log.of(gone), `${user.uid} about ${gone}`).to.deep.equal(['joined', 'left']);
        for (const other of living)
          expect(log.of(other), `${user.uid} about ${other}`).to.deep.equal(
            other === 'r-bob' && user === alice ? ['joined'] : [],
          );
        expect(user.states.pairs, user.uid).to.deep.equal([
          'DISCONNECTED/LOGOUT',
          'CONNECTING/LOGIN',
          'CONNECTED/LOGIN_SUCCESS',
        ]);
      }
      expect(await bob.client.getUserAttributes('r-alice')).to.deep.equal({ k: 'alice' });
      expect(await bob.client.queryPeersOnlineStatus(['r-alice', 'r-bob', 'r-carol', 'r-frank'])).to.deep.equal({
        'r-alice': true,
        'r-bob': true,
        'r-carol': false,
        'r-frank': false,
      });
      expect(statuses[0]).to.deep.equal({ 'r-alice': 'ONLINE', 'r-carol': 'ONLINE' });
      expect(statuses.slice(1).filter((change) => 'r-alice' in change)).to.deep.equal([]);
      expect(statuses.slice(1).filter((change) => 'r-carol' in change)).to.deep.equal([{ 'r-carol': 'OFFLINE' }]);
      expect(cluster().nodes[0].alive && cluster().nodes[1].alive).to.equal(true);

      // And the cluster works as before.
      const erin = await cluster().user('r-erin', 1);
      await Cluster.join(erin, 'r-room');
      await sides.get('r-alice')!.log.next('joined', 'r-erin', 1000);
      await cluster().restartNode(2);
    });
  });
});

describe('cluster: two nodes sharing presence on a Redis Cluster of three primaries', function () {
  this.timeout(60_000);
  const redis = redisClusterForSuite();
  const cluster = clusterFor(redis, { nodes: 2, presenceGraceMs: GRACE_MS, unreachableMs: UNREACHABLE_MS });
  acrossTwoNodes(cluster);
});

/** What two nodes show whatever Redis they share: one redis-server, or a Redis Cluster. */
function acrossTwoNodes(cluster: () => Cluster): void {
  it('a login on node 2 kicks the same uid on node 1 within 1 s: ABORTED / REMOTE_LOGIN', async () => {
    // It leaves its channels at once.
    const first = await cluster().user('kick-a', 0);
    const peer = await cluster().user('kick-peer', 0);
    await Cluster.join(first, 'kick-room');
    const { log } = await Cluster.join(peer, 'kick-room');
    await sleep(600); // BEHAVIOUR §5: at most 2 logins of a uid a second
    const sent = performance.now();
    const second = await cluster().user('kick-a', 1);
    const aborted = await first.states.waitFor('ABORTED/REMOTE_LOGIN', 1000);
    const left = await log.next('left', 'kick-a', 1000);
    expect(second.client.connectionState.state).to.equal('CONNECTED');
    console.log(
      `      kicked on the other node ${(aborted.at - sent).toFixed(0)} ms after the second login was sent; ` +
        `peers saw it leave after ${(left - sent).toFixed(0)} ms`,
    );
    expect(aborted.at - sent).to.be.below(1000);
    await sleep(300);
    expect(first.states.pairs).to.deep.equal([
      'DISCONNECTED/LOGOUT',
      'CONNECTING/LOGIN',
      'CONNECTED/LOGIN_SUCCESS',
      'ABORTED/REMOTE_LOGIN',
    ]);
    expect(second.states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
  });

  it('member events, online status and attributes reach every member whatever node it is on', async () => {
    const bob = await cluster().user('x-bob', 1);
    const { channel: bobRoom, log: bobLog } = await Cluster.join(bob, 'x-room');
    const alice = await cluster().user('x-alice', 0);
    const carol = await cluster().user('x-carol', 0);
    const statuses: Array<Record<string, string>> = [];
    carol.client.peersOnlineStatusChanged$.subscribe((change) => statuses.push(change));
    await carol.client.subscribePeersOnlineStatus(['x-bob', 'x-alice']);

    const { channel: aliceRoom, log: aliceLog } = await Cluster.join(alice, 'x-room');
    expect((await aliceRoom.getMembers()).sort()).to.deep.equal(['x-alice', 'x-bob']);
    await bobLog.next('joined', 'x-alice', 1000);
    await alice.client.setLocalUserAttributes({ mood: 'curious', city: 'Lyon' });
    expect(await bob.client.getUserAttributes('x-alice')).to.deep.equal({ mood: 'curious', city: 'Lyon' });
    expect(await bob.client.getUserAttributesByKeys('x-alice', ['city'])).to.deep.equal({ city: 'Lyon' });
    expect(await alice.client.queryPeersOnlineStatus(['x-bob', 'x-nobody'])).to.deep.equal({
      'x-bob': true,
      'x-nobody': false,
    });
    expect((await bobRoom.getMembers()).sort()).to.deep.equal(['x-alice', 'x-bob']);

    const logoutAt = performance.now();
    await bob.client.logout();
    const left = await aliceLog.next('left', 'x-bob', 1000);
    expect(left - logoutAt).to.be.below(300);
    await eventually(() => {
      expect(statuses.at(-1)).to.deep.equal({ 'x-bob': 'OFFLINE' });
    }, 1000);
    expect(statuses).to.deep.equal([{ 'x-bob': 'ONLINE', 'x-alice': 'ONLINE' }, { 'x-bob': 'OFFLINE' }]);
    expect(bobLog.of('x-alice')).to.deep.equal(['joined']);
    expect(aliceLog.of('x-bob')).to.deep.equal(['left']);
    expect(await alice.client.getUserAttributes('x-bob')).to.deep.equal({});
  });

  it('a client back within the grace on another node resumes its session; the old node drops its copy', async () => {
    // No state change, peers see nothing, it keeps its channels and attributes and hears what follows.
    const alice = await cluster().user('m-alice', 0);
    const bob = await cluster().user('m-bob', 1);
    const { log: bobLog } = await Cluster.join(bob, 'm-room');
    const { channel: aliceRoom, log: aliceLog } = await Cluster.join(alice, 'm-room');
    await alice.client.setLocalUserAttributes({ k: 'v' });
    await bobLog.next('joined', 'm-alice', 1000);
    const sessionsBefore = await cluster().nodes[0].sessions();

    // The load balancer now sends alice to node 2, and her link breaks.
    cluster().proxies[0].retarget({ port: cluster().nodes[1].port });
    cluster().proxies[0].reset();
    await eventually(async () => {
      expect(await cluster().nodes[0].sessions()).to.equal(sessionsBefore - 1);
    }, 4000);
    await sleep(GRACE_MS + 500); // past the grace counted from the break: nothing may have expired
    expect(alice.states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
    expect(bobLog.of('m-alice')).to.deep.equal(['joined']);
    expect(aliceLog.events).to.deep.equal([]);
    expect(await bob.client.getUserAttributes('m-alice')).to.deep.equal({ k: 'v' });
    expect((await aliceRoom.getMembers()).sort()).to.deep.equal(['m-alice', 'm-bob']);

    const carol = await cluster().user('m-carol', 1);
    await Cluster.join(carol, 'm-room');
    await aliceLog.next('joined', 'm-carol', 1000);
    expect(aliceLog.of('m-carol')).to.deep.equal(['joined']);
    cluster().proxies[0].retarget({ port: cluster().nodes[0].port });
  });

  it(
    'messages cross nodes through Redis: each once, in order, each way; channel messages reach ' +
      'the members on every node but the sender; offline ones wait for the next login on any node',
    async () => {
      const alice = await cluster().user('g-alice', 0);
      const bob = await cluster().user('g-bob', 1);
      const carol = await cluster().user('g-carol', 0);
      const texts = (client: typeof alice.client) => {
        const seen: string[] = [];
        client.messageFromPeer$.subscribe(({ message, peerId }) => {
          seen.push(`${peerId}:${'text' in message ? message.text : '<raw>'}`);
        });
        return seen;
      };
      const toBob = texts(bob.client);
      const toAlice = texts(alice.client);
      const rooms = await Promise.all([alice, bob, carol].map((user) => Cluster.join(user, 'g-room')));
      const heard = rooms.map(({ channel }) => {
        const seen: string[] = [];
        channel.message$.subscribe(({ message, memberId }) =>
          seen.push(`${memberId}:${'text' in message ? message.text : ''}`),
        );
        return seen;
      });
      const sends: Array<Promise<unknown>> = [];
      for (let i = 0; i < 50; i++) {
        sends.push(alice.client.sendMessageToPeer({ text: `a${i}` }, 'g-bob'));
        sends.push(bob.client.sendMessageToPeer({ text: `b${i}` }, 'g-alice'));
        if (i % 10 === 0) sends.push(rooms[1].channel.sendMessage({ text: `room${i}` }));
      }
      const answers = await Promise.all(sends);
      expect(answers.filter((answer) => answer !== undefined)).to.deep.equal(
        Array(100).fill({ hasPeerReceived: true }),
      );
      const offline = { enableOfflineMessaging: true };
      expect(await alice.client.sendMessageToPeer({ text: 'later' }, 'g-dave', offline)).to.deep.equal({
        hasPeerReceived: false,
      });
      await eventually(() => {
        expect(toBob.length + toAlice.length).to.equal(100);
        expect(heard[0].length + heard[2].length).to.equal(10);
      }, 3000);
      expect(toBob).to.deep.equal(Array.from({ length: 50 }, (_, i) => `g-alice:a${i}`));
      expect(toAlice).to.deep.equal(Array.from({ length: 50 }, (_, i) => `g-bob:b${i}`));
      const roomTexts = [0, 10, 20, 30, 40].map((i) => `g-bob:room${i}`);
      expect(heard).to.deep.equal([roomTexts, [], roomTexts]);

      const dave = cluster().client(1);
      const toDave: Array<{ text: string; isOfflineMessage: boolean }> = [];
      dave.messageFromPeer$.subscribe(({ message, isOfflineMessage }) =>
        toDave.push({ text: 'text' in message ? message.text : '', isOfflineMessage }),
      );
      await dave.login({ uid: 'g-dave', token: token('g-dave') });
      await eventually(() => {
        expect(toDave).to.deep.equal([{ text: 'later', isOfflineMessage: true }]);
      }, 2000);
    },
  );
}
