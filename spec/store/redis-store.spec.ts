/**
 * RedisStore over a real redis-server (spec/support/redis-process.ts):
 * the PresenceStore contract, then what only several nodes sharing one
 * Redis can show.
 */
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { Lease, StoreEvent } from '../../lib/store/presence-store.js';
import { RedisStore, type RedisStoreOptions } from '../../lib/store/redis-store.js';
import { RedisProcess, requireRedis } from '../support/redis-process.js';
import { CONTRACT_APPS, presenceStoreContract } from './presence-store.contract.js';
import { channelAttributesContract } from './channel-attributes.contract.js';
import { EMPTY_CHANNEL_ATTRIBUTES_MS } from '../../lib/store/presence-store.js';

const lease: Lease = { graceMs: 30_000, unreachableMs: 6_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A node's events with the time each arrived. */
class Log {
  readonly events: Array<StoreEvent & { at: number }> = [];
  constructor(store: RedisStore) {
    store.listen((event) => this.events.push({ ...event, at: performance.now() }));
  }
  of(type: StoreEvent['type']): Array<StoreEvent & { at: number }> {
    return this.events.filter((event) => event.type === type);
  }
  clear(): void {
    this.events.length = 0;
  }
  async until(predicate: (events: StoreEvent[]) => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (performance.now() > deadline)
        throw new Error(`no ${what} within ${timeoutMs} ms; heard ${JSON.stringify(this.events)}`);
      await sleep(10);
    }
  }
}

/** Commands Redis ran since the last call, by name (from INFO commandstats). */
async function commandCounts(admin: Redis): Promise<Record<string, number>> {
  const info = await admin.info('commandstats');
  await admin.config('RESETSTAT');
  const counts: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts[match[1]] = Number(match[2]);
  return counts;
}

describe('RedisStore (real redis-server)', function () {
  let redis: RedisProcess;
  let admin: Redis;

  before(async function () {
    requireRedis(this, 'RedisStore tests');
    redis = await RedisProcess.start();
    admin = new Redis(redis.url, { protocol: 2 });
  });
  after(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  presenceStoreContract({
    async create() {
      await admin.flushall();
      return RedisStore.connect({ url: redis.url, apps: CONTRACT_APPS, onError: () => undefined });
    },
  });

  channelAttributesContract({
    async create() {
      await admin.flushall();
      return RedisStore.connect({ url: redis.url, apps: CONTRACT_APPS, onError: () => undefined });
    },
  });

  it("a channel's attributes expire 2 min after its last member left, and persist while it has members", async () => {
    await admin.flushall();
    const store = await RedisStore.connect({ url: redis.url, apps: CONTRACT_APPS, onError: () => undefined });
    try {
      const key = 'rtm:{app1}:ca:room';
      await store.claim('app1', 'alice', 's1', undefined, lease);
      const set = { op: 'set', attributes: { a: '1' }, keys: [], by: 'alice', ts: 1 } as const;
      await store.writeChannelAttributes('app1', 's1', 'room', set, false);
      const unjoined = await admin.pttl(key);
      expect(unjoined).to.be.within(EMPTY_CHANNEL_ATTRIBUTES_MS - 5_000, EMPTY_CHANNEL_ATTRIBUTES_MS);
      await store.join('app1', 'alice', 's1', 'room');
      expect(await admin.pttl(key)).to.equal(-1);
      await store.writeChannelAttributes('app1', 's1', 'room', set, false);
      expect(await admin.pttl(key)).to.equal(-1);
      await store.leave('app1', 'alice', 's1', 'room');
      expect(await admin.pttl(key)).to.be.within(EMPTY_CHANNEL_ATTRIBUTES_MS - 5_000, EMPTY_CHANNEL_ATTRIBUTES_MS);
    } finally {
      await store.close();
    }
  });

  describe('several nodes on one Redis', function () {
    this.timeout(15_000);
    const open: RedisStore[] = [];
    const errors: unknown[] = [];

    async function node(options: Partial<RedisStoreOptions> = {}): Promise<{ store: RedisStore; log: Log }> {
      const store = await RedisStore.connect({
        url: redis.url,
        apps: ['app1', 'app2'],
        onError: (error) => errors.push(error),
        ...options,
      });
      open.push(store);
      return { store, log: new Log(store) };
    }

    beforeEach(async () => {
      if (!redis.running) await redis.restart();
      await admin.flushall();
      errors.length = 0;
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((store) => store.close()));
    });

    it('a login on node B kicks the session node A holds (A hears the kick)', async () => {
      // Both nodes hear every event of the app.
      const a = await node();
      const b = await node();
      await a.store.claim('app1', 'alice', 's1', undefined, lease);
      await a.store.join('app1', 'alice', 's1', 'room');
      await b.store.claim('app1', 'bob', 'b1', undefined, lease);
      await b.store.join('app1', 'bob', 'b1', 'room');
      await a.log.until(
        (events) => events.some((e) => e.type === 'member' && e.uid === 'bob'),
        1000,
        'bob joining, on A',
      );
      expect(a.store.heldCount).to.equal(1);
      a.log.clear();
      b.log.clear();

      const sent = performance.now();
      expect(await b.store.claim('app1', 'alice', 's2', undefined, lease)).to.deep.equal({
        outcome: 'created',
        replaced: 's1',
      });
      const expected = [
        { type: 'member', appId: 'app1', channel: 'room', uid: 'alice', joined: false, count: 1 },
        { type: 'kick', appId: 'app1', uid: 'alice', session: 's1', reason: 'REMOTE_LOGIN' },
      ];
      // B's own events are heard before its claim resolves; A hears the same, in the same order.
      expect(b.log.events.map(({ at: _, ...event }) => event)).to.deep.equal(expected);
      await a.log.until((events) => events.length === 2, 1000, 'the kick on A');
      expect(a.log.events.map(({ at: _, ...event }) => event)).to.deep.equal(expected);
      console.log(
        `      kick heard on the other node ${(a.log.events[1].at - sent).toFixed(1)} ms after the claim was sent`,
      );
      expect(a.store.heldCount).to.equal(0);
      expect(b.store.heldCount).to.equal(2);
    });

    it('50 simultaneous claims of one uid on two nodes: each time exactly one session owns it', async () => {
      // The other is kicked.
      const a = await node();
      const b = await node();
      for (let i = 0; i < 50; i++) {
        const uid = `race${i}`;
        const [onA, onB] = await Promise.all([
          a.store.claim('app1', uid, `a${i}`, undefined, lease),
          b.store.claim('app1', uid, `b${i}`, undefined, lease),
        ]);
        expect([onA.outcome, onB.outcome]).to.deep.equal(['created', 'created']);
        const replaced = [onA, onB]
          .map((r) => (r.outcome === 'created' ? r.replaced : 'x'))
          .filter((r) => r !== undefined);
        expect(replaced, 'exactly one replaced the other').to.have.length(1);
        const loser = replaced[0];
        const winner = loser === `a${i}` ? `b${i}` : `a${i}`;
        const joins = await Promise.all([
          a.store.join('app1', uid, winner, 'r'),
          a.store.join('app1', uid, loser, 'r'),
        ]);
        expect(joins.map((j) => j.ok)).to.deep.equal([true, false]);
      }
      await a.log.until((events) => events.filter((e) => e.type === 'kick').length === 50, 2000, '50 kicks');
      await b.log.until((events) => events.filter((e) => e.type === 'kick').length === 50, 2000, '50 kicks');
      expect(a.store.heldCount + b.store.heldCount).to.equal(50);
    });

    it('a resume on another node moves the session: the old node hears `moved` and lets go', async () => {
      // Its expiry and status changes for it are fenced off.
      const a = await node();
      const b = await node();
      await a.store.claim('app1', 'alice', 's1', undefined, lease);
      await a.store.join('app1', 'alice', 's1', 'room');
      await a.store.writeAttributes('app1', 'alice', 's1', 'set', { k: 'v' }, []);
      a.log.clear();

      expect(await b.store.claim('app1', 'alice', 'token2', 's1', lease)).to.deep.equal({
        outcome: 'resumed',
        moved: true,
      });
      expect(await b.store.channelsOf('app1', 'alice', 's1')).to.deep.equal(['room']);
      await a.log.until((events) => events.length === 1, 1000, 'moved');
      expect(a.log.events.map(({ at: _, ...event }) => event)).to.deep.equal([
        {
          type: 'moved',
          appId: 'app1',
          uid: 'alice',
          session: 's1',
          node: b.store.node,
          from: a.store.node,
          claim: 'token2',
          seq: 0,
        },
      ]);
      expect(a.store.heldCount).to.equal(0);
      expect(b.store.heldCount).to.equal(1);
      b.log.clear();

      // A's presence clock ran out for its stale copy: nothing happens.
      await a.store.setStatus('app1', 'alice', 's1', 'UNREACHABLE');
      await a.store.end('app1', 'alice', 's1', 'expired');
      await sleep(100);
      expect(b.log.events).to.deep.equal([]);
      expect(await b.store.statuses('app1', ['alice'])).to.deep.equal({ alice: 'ONLINE' });
      expect(await b.store.members('app1', 'room')).to.deep.equal(['alice']);

      // A resume on the node that holds it is not a move.
      expect(await b.store.claim('app1', 'alice', 'token3', 's1', lease)).to.deep.equal({
        outcome: 'resumed',
        moved: false,
      });
      await sleep(50);
      expect(a.log.of('moved')).to.have.length(1);
      await b.store.end('app1', 'alice', 's1', 'expired');
      expect(await b.store.members('app1', 'room')).to.deep.equal([]);
    });

    it('a moved session: the old node hands its events to the claim that moved it, through one key', async () => {
      // The new node waits for it; no handoff, or none in time, is undefined. The key goes once taken.
      const a = await node();
      const b = await node();
      await a.store.claim('app1', 'alice', 's1', undefined, lease);
      a.log.clear();
      expect(await b.store.claim('app1', 'alice', 't2', 's1', lease, 3)).to.deep.equal({
        outcome: 'resumed',
        moved: true,
      });
      const taking = b.store.takeHandoff('app1', 't2', 2000);
      await a.log.until((events) => events.length === 1, 1000, 'moved');
      expect(a.log.events[0]).to.deep.include({ type: 'moved', from: a.store.node, claim: 't2', seq: 3 });
      const handoff = { seq: 5, events: ['{"t":"x","seq":4}', '{"t":"y","seq":5}'], subscriptions: ['bob'] };
      const sentAt = performance.now();
      await a.store.handOver('app1', 't2', handoff);
      expect(await taking).to.deep.equal(handoff);
      expect(performance.now() - sentAt).to.be.below(200);
      expect(await admin.keys('rtm:{app1}:ho:*')).to.deep.equal([]);
      expect(
        b.log.events.map((event) => event.type as string),
        'handoffs are not passed on to listeners',
      ).to.not.include('handoff');

      // The old node had nothing to give: the new one knows at once.
      await b.store.claim('app1', 'alice', 't3', 's1', lease, 5);
      const none = a.store.takeHandoff('app1', 't3', 2000);
      const startedAt = performance.now();
      await b.store.handOver('app1', 't3', undefined);
      expect(await none).to.equal(undefined);
      expect(performance.now() - startedAt).to.be.below(200);

      // Nobody answers: undefined after the wait.
      const waitedFrom = performance.now();
      expect(await b.store.takeHandoff('app1', 't4', 300)).to.equal(undefined);
      expect(performance.now() - waitedFrom).to.be.within(290, 600);
    });

    it('a node that dies: of three nodes sweeping, exactly one ends each of its sessions at the deadline', async () => {
      // UNREACHABLE first; sessions refreshed by a live node go on.
      const short: Lease = { graceMs: 800, unreachableMs: 300 };
      const dead = await node();
      const b = await node();
      const c = await node();
      await dead.store.claim('app1', 'alice', 's1', undefined, short);
      await dead.store.join('app1', 'alice', 's1', 'room');
      const claimedAt = performance.now();
      await b.store.claim('app1', 'bob', 'b1', undefined, short);
      await b.store.join('app1', 'bob', 'b1', 'room');
      await c.store.claim('app1', 'carol', 'c1', undefined, short);
      await c.store.join('app1', 'carol', 'c1', 'room');
      await dead.store.close(); // no goodbye: its sessions stay in Redis
      open.splice(open.indexOf(dead.store), 1);
      b.log.clear();
      c.log.clear();
      // B and C keep their own sessions alive, as their registries would.
      const keepAlive = setInterval(() => {
        void b.store.refresh([{ appId: 'app1', uid: 'bob', session: 'b1', agoMs: 0 }]);
        void c.store.refresh([{ appId: 'app1', uid: 'carol', session: 'c1', agoMs: 0 }]);
      }, 100);
      try {
        for (const { log } of [b, c])
          await log.until((events) => events.some((e) => e.type === 'ended'), 3000, 'the end of alice');
        await sleep(1200);
      } finally {
        clearInterval(keepAlive);
      }
      for (const { log } of [b, c]) {
        const aboutAlice = log.events
          .filter((e) => 'uid' in e && e.uid === 'alice' && e.type !== 'member')
          .map((e) => (e.type === 'status' ? e.status : e.type));
        expect(aboutAlice).to.deep.equal(['UNREACHABLE', 'ended', 'OFFLINE']);
        const left = log.events.filter((e) => e.type === 'member' && !e.joined);
        expect(left.map((e) => (e.type === 'member' ? e.uid : ''))).to.deep.equal(['alice']);
        const ended = log.of('ended')[0];
        const after = ended.at - claimedAt;
        expect(after, 'ended at the 800 ms deadline, within a sweep and a bit').to.be.within(
          800,
          800 + 250 * 1.2 + 200,
        );
        const unreachable = log.events.find((e) => e.type === 'status' && e.status === 'UNREACHABLE')!;
        expect(unreachable.at - claimedAt).to.be.within(300, 300 + 250 * 1.2 + 200);
      }
      console.log(
        `      a dead node's session ended ${(b.log.of('ended')[0].at - claimedAt - 800).toFixed(0)} ms ` +
          'after its deadline',
      );
      expect(await b.store.statuses('app1', ['alice', 'bob', 'carol'])).to.deep.equal({
        alice: 'OFFLINE',
        bob: 'ONLINE',
        carol: 'ONLINE',
      });
      expect((await b.store.members('app1', 'room')).sort()).to.deep.equal(['bob', 'carol']);
    });

    it('a refresh of 1000 sessions is one script call', async () => {
      const a = await node({ sweepIntervalMs: 60_000 });
      const heard = [];
      for (let i = 0; i < 1000; i++) {
        await a.store.claim('app1', `u${i}`, `s${i}`, undefined, lease);
        heard.push({ appId: 'app1', uid: `u${i}`, session: `s${i}`, agoMs: 5 });
      }
      await commandCounts(admin);
      const started = performance.now();
      await a.store.refresh(heard);
      const took = performance.now() - started;
      const counts = await commandCounts(admin);
      // Redis counts the commands a script runs too; the node sent one script call.
      expect((counts.evalsha ?? 0) + (counts.eval ?? 0)).to.equal(1);
      const inside = Object.entries(counts)
        .filter(([name]) => !['evalsha', 'eval', 'info', 'config|resetstat', 'xread'].includes(name))
        .reduce((sum, [, calls]) => sum + calls, 0);
      console.log(
        `      refresh of 1000 sessions: 1 script call (${inside} commands inside it), ` +
          `${took.toFixed(1)} ms round trip`,
      );
    });

    it('a node cut off from Redis for a moment reads on where it stopped: nothing lost, no resync', async () => {
      const a = await node();
      const b = await node();
      await a.store.claim('app1', 'alice', 's1', undefined, lease);
      await a.store.join('app1', 'alice', 's1', 'room');
      a.log.clear();
      await admin.call('CLIENT', 'KILL', 'SKIPME', 'yes', 'ID', String(await readerId(a.store)));
      for (let i = 0; i < 5; i++) {
        await b.store.claim('app1', `p${i}`, `p${i}`, undefined, lease);
        await b.store.join('app1', `p${i}`, `p${i}`, 'room');
      }
      await a.log.until(
        (events) => events.filter((e) => e.type === 'member').length === 5,
        3000,
        'the five joins on A',
      );
      await sleep(300);
      expect(a.log.of('resync')).to.deep.equal([]);
      expect(a.log.of('member').map((e) => (e.type === 'member' ? e.count : 0))).to.deep.equal([2, 3, 4, 5, 6]);
    });

    it('a node that fell further behind than the stream keeps gets a resync for that app', async () => {
      const a = await node({ streamMaxLength: 10 });
      await a.store.claim('app1', 'alice', 's1', undefined, lease);
      a.log.clear();
      await admin.call('CLIENT', 'KILL', 'SKIPME', 'yes', 'ID', String(await readerId(a.store)));
      const pipeline = admin.pipeline();
      for (let i = 0; i < 50; i++)
        pipeline.xadd(
          'rtm:{app1}:events',
          'MAXLEN',
          '10',
          '*',
          'e',
          JSON.stringify({ type: 'status', uid: `z${i}`, status: 'OFFLINE' }),
        );
      await pipeline.exec();
      await a.log.until((events) => events.some((e) => e.type === 'resync'), 3000, 'a resync');
      expect(a.log.of('resync').map((e) => e.appId)).to.deep.equal(['app1']);
      expect(errors.map(String).join('\n')).to.contain('fell behind');
    });

    it('Redis frozen for 1 s: operations wait and complete, events arrive, nothing restored or resynced', async () => {
      const a = await node();
      const b = await node();
      await a.store.claim('app1', 'alice', 's1', undefined, lease);
      await b.store.claim('app1', 'bob', 'b1', undefined, lease);
      await b.store.join('app1', 'bob', 'b1', 'room');
      b.log.clear();
      redis.pause(true);
      const joining = a.store.join('app1', 'alice', 's1', 'room');
      await sleep(1000);
      redis.pause(false);
      const joined = await joining;
      expect(joined.ok && joined.value.sort()).to.deep.equal(['alice', 'bob']);
      await b.log.until((events) => events.some((e) => e.type === 'member'), 2000, 'alice joining, on B');
      await sleep(200);
      expect(b.log.events.map((e) => e.type)).to.deep.equal(['member']);
      expect(errors).to.deep.equal([]);
    });

    it("Redis frozen past the grace: live nodes' sessions survive; a dead node's end just after", async () => {
      // Their held-up refreshes land first.
      const short: Lease = { graceMs: 800, unreachableMs: 300 };
      const dead = await node();
      const b = await node();
      await dead.store.claim('app1', 'alice', 's1', undefined, short);
      await b.store.claim('app1', 'bob', 'b1', undefined, short);
      await dead.store.close();
      open.splice(open.indexOf(dead.store), 1);
      const keepAlive = setInterval(
        () => void b.store.refresh([{ appId: 'app1', uid: 'bob', session: 'b1', agoMs: 0 }]),
        100,
      );
      try {
        await sleep(400); // sweeping is under way
        b.log.clear();
        redis.pause(true);
        await sleep(1500);
        const thawed = performance.now();
        redis.pause(false);
        await b.log.until((events) => events.some((e) => e.type === 'ended'), 5000, 'the end of alice');
        await sleep(500);
        expect(b.log.of('ended').map((e) => (e.type === 'ended' ? e.uid : ''))).to.deep.equal(['alice']);
        expect(b.log.of('ended')[0].at - thawed).to.be.within(2000, 3500);
        expect(await b.store.statuses('app1', ['alice', 'bob'])).to.deep.equal({ alice: 'OFFLINE', bob: 'ONLINE' });
      } finally {
        clearInterval(keepAlive);
      }
    });

    it("Redis restarted empty: nodes write back their sessions and bans; the dead node's are gone", async () => {
      // Every node's sessions resync after the settle time.
      const a = await node({ restoreSettleMs: 600 });
      const b = await node({ restoreSettleMs: 600 });
      const dead = await node({ restoreSettleMs: 600 });
      await a.store.claim('app1', 'alice', 's1', undefined, lease);
      await a.store.join('app1', 'alice', 's1', 'room');
      await a.store.join('app1', 'alice', 's1', 'hall');
      await a.store.writeAttributes('app1', 'alice', 's1', 'set', { mood: 'fine' }, []);
      await b.store.claim('app1', 'bob', 'b1', undefined, lease);
      await b.store.join('app1', 'bob', 'b1', 'room');
      await b.store.setStatus('app1', 'bob', 'b1', 'UNREACHABLE');
      await dead.store.claim('app1', 'carol', 'c1', undefined, lease);
      await dead.store.join('app1', 'carol', 'c1', 'room');
      await a.store.ban('app1', 'mallory');
      await dead.store.close();
      open.splice(open.indexOf(dead.store), 1);
      a.log.clear();
      b.log.clear();

      const restartedAt = performance.now();
      await redis.restart();
      for (const { log } of [a, b])
        await log.until((events) => events.some((e) => e.type === 'resync'), 5000, 'a resync');
      for (const { log } of [a, b]) {
        // Restored in time: silently; then a resync for each app (both lost their data).
        await log.until((events) => events.length === 2, 1000, 'a resync of each app');
        expect(log.events.map((e) => `${e.type} ${e.appId}`).sort()).to.deep.equal(['resync app1', 'resync app2']);
        expect(log.events[0].at - restartedAt).to.be.within(500, 3000);
      }
      expect((await a.store.members('app1', 'room')).sort()).to.deep.equal(['alice', 'bob']);
      expect(await a.store.members('app1', 'hall')).to.deep.equal(['alice']);
      expect(await b.store.channelsOf('app1', 'alice', 's1')).to.deep.equal(['room', 'hall']);
      expect(await b.store.readAttributes('app1', 'alice', undefined)).to.deep.equal({ mood: 'fine' });
      expect(await b.store.statuses('app1', ['alice', 'bob', 'carol'])).to.deep.equal({
        alice: 'ONLINE',
        bob: 'UNREACHABLE',
        carol: 'OFFLINE',
      });
      expect(await b.store.claim('app1', 'mallory', 'm1', undefined, lease)).to.deep.equal({ outcome: 'banned' });
      // Business as usual afterwards, on both nodes.
      await b.store.setStatus('app1', 'bob', 'b1', 'ONLINE');
      expect((await b.store.join('app1', 'bob', 'b1', 'hall')).ok).to.equal(true);
      await a.log.until((events) => events.some((e) => e.type === 'member'), 1000, 'bob joining hall, on A');
      expect(String(errors)).to.contain('lost its presence data');
    });

    it('Redis lost its latest writes but kept the epoch (a failover): every node mends what it holds', async () => {
      // The node that had read the lost events replaces the epoch; a login whose write was lost wins again.
      const a = await node({ restoreSettleMs: 600 });
      const b = await node({ restoreSettleMs: 600 });
      await a.store.claim('app1', 'alice', 's1', undefined, lease);
      await a.store.join('app1', 'alice', 's1', 'room');
      await b.store.claim('app1', 'bob', 'b1', undefined, lease);
      await b.store.join('app1', 'bob', 'b1', 'room');
      await b.store.join('app1', 'bob', 'b1', 'porch');
      const replica = await snapshot('app1');
      // Acknowledged, then lost with the primary: a join, a leave, attributes, alice's login on B.
      await b.store.join('app1', 'bob', 'b1', 'hall');
      await b.store.leave('app1', 'bob', 'b1', 'porch');
      await b.store.writeAttributes('app1', 'bob', 'b1', 'set', { mood: 'kept' }, []);
      await b.store.claim('app1', 'alice', 's2', undefined, lease);
      await b.store.join('app1', 'alice', 's2', 'hall');
      await a.log.until(
        (events) => events.some((e) => e.type === 'member' && e.uid === 'alice' && e.channel === 'hall'),
        1000,
        'alice joining hall, on A',
      );
      a.log.clear();
      b.log.clear();

      await replica.promote();
      for (const { log } of [a, b])
        await log.until((events) => events.some((e) => e.type === 'resync'), 5000, 'resync');
      await sleep(200);
      // Mended silently but for the kick, again, of the session alice's lost login replaced; then one resync.
      for (const { log } of [a, b])
        expect(log.events.map((e) => (e.type === 'kick' ? `kick ${e.session}` : e.type))).to.deep.equal([
          'kick s1',
          'resync',
        ]);
      expect((await a.store.members('app1', 'room')).sort()).to.deep.equal(['bob']);
      expect((await a.store.members('app1', 'hall')).sort()).to.deep.equal(['alice', 'bob']);
      expect(await a.store.members('app1', 'porch')).to.deep.equal([]);
      expect(await a.store.channelsOf('app1', 'alice', 's2')).to.deep.equal(['hall']);
      expect(await a.store.readAttributes('app1', 'bob', undefined)).to.deep.equal({ mood: 'kept' });
      expect(await admin.hget('rtm:{app1}:u:alice', 's')).to.equal('s2');
      expect(String(errors)).to.contain('Redis lost events this node had read');
    });

    it('a connection ioredis gave up for good is made again', async () => {
      // (As when a Sentinel failover detector disconnects it while it is being made.)
      const a = await node();
      const commands = (a.store as unknown as { redis: Redis }).redis;
      commands.disconnect();
      await new Promise((resolve) => commands.once('ready', resolve));
      await a.store.claim('app1', 'alice', 's1', undefined, lease);
      expect(await a.store.statuses('app1', ['alice'])).to.deep.equal({ alice: 'ONLINE' });
    });

    /**
     * The app's keys as they are now, put back by `promote` in place of what was written since
     * (as a replica that had not received those writes takes over), and every connection dropped.
     */
    async function snapshot(appId: string): Promise<{ promote(): Promise<void> }> {
      const keys = await admin.keys(`rtm:{${appId}}:*`);
      const dumps = await Promise.all(keys.map((key) => admin.dumpBuffer(key)));
      return {
        async promote() {
          await admin.del(...(await admin.keys(`rtm:{${appId}}:*`)));
          for (const [i, key] of keys.entries()) if (dumps[i]) await admin.restore(key, 0, dumps[i]);
          await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
        },
      };
    }
  });
});

/** The client id of a store's stream reader connection (named `rx-rtm-reader:<node>`). */
async function readerId(store: RedisStore): Promise<number> {
  const admin = (store as unknown as { redis: Redis }).redis;
  const list = String(await admin.call('CLIENT', 'LIST'));
  const line = list.split('\n').find((entry) => entry.includes(`name=rx-rtm-reader:${store.node}`));
  if (!line) throw new Error(`no reader connection in ${list}`);
  return Number(/id=(\d+)/.exec(line)![1]);
}
