/**
 * RedisStore over a real Redis Cluster of three primaries (spec/support/redis-cluster.ts): the
 * PresenceStore contract the memory and single-Redis stores pass, then apps whose keys live on
 * different shards, read by one stream reader per slot.
 */
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import type { Lease, StoreEvent } from '../../lib/store/presence-store.js';
import { RedisStore } from '../../lib/store/redis-store.js';
import { appKeys } from '../../lib/store/redis/served-app.js';
import { storeConnection } from '../../lib/store/redis/redis-config.js';
import { RedisCluster, requireRedisCluster } from '../support/redis-cluster.js';
import { CONTRACT_APPS, presenceStoreContract } from './presence-store.contract.js';

const lease: Lease = { graceMs: 30_000, unreachableMs: 6_000 };

describe('RedisStore (real Redis Cluster)', function () {
  this.timeout(30_000);
  let cluster: RedisCluster;

  before(async function () {
    requireRedisCluster(this, 'RedisStore on Redis Cluster tests');
    cluster = await RedisCluster.shared();
  });

  const connect = (apps: readonly string[]) =>
    RedisStore.connect({ ...storeConnection(cluster.config), apps, onError: () => undefined });

  presenceStoreContract({
    async create() {
      await cluster.flush();
      return connect(CONTRACT_APPS);
    },
  });

  it("two nodes hear each app's events in order, the apps' keys on different primaries", async () => {
    await cluster.flush();
    // Apps whose hash tags fall on three different primaries (checked, not assumed).
    const apps = ['app1', 'app2', 'app3', 'app4', 'app5', 'app6'];
    const owners = await Promise.all(apps.map((app) => cluster.ownerOf(appKeys('rtm', app).epoch)));
    expect(new Set(owners).size).to.equal(3);
    const [a, b] = await Promise.all([connect(apps), connect(apps)]);
    try {
      const heard: StoreEvent[] = [];
      b.listen((event) => heard.push(event));
      for (const app of apps) {
        await a.claim(app, 'alice', `s-${app}`, undefined, lease);
        await a.join(app, 'alice', `s-${app}`, 'room');
      }
      const deadline = Date.now() + 2000;
      while (heard.length < apps.length * 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      for (const app of apps)
        expect(heard.filter((event) => event.appId === app)).to.deep.equal([
          { type: 'status', appId: app, uid: 'alice', status: 'ONLINE' },
          { type: 'member', appId: app, channel: 'room', uid: 'alice', joined: true, count: 1 },
        ]);
      // The login fence holds across nodes on every shard: B's login of alice kicks A's.
      expect(await b.claim('app5', 'alice', 'b-s', undefined, lease)).to.deep.equal({
        outcome: 'created',
        replaced: 's-app5',
      });
      expect(a.heldCount).to.equal(apps.length - 1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('RedisStore on a Redis Cluster whose shard fails over', function () {
  this.timeout(60_000);
  const owned = appKeys('rtm', 'app1').epoch;
  const OTHERS = ['app2', 'app3', 'app4', 'app5', 'app6'];
  let cluster: RedisCluster | undefined;

  before(async function () {
    this.timeout(30_000);
    requireRedisCluster(this, 'Redis Cluster failover tests');
    cluster = await RedisCluster.start(owned);
  });
  after(async () => {
    await cluster?.stop();
  });

  it(
    'its primary killed during traffic: the replica takes over, the nodes follow it, every answered message ' +
      "reaches the other node once and in order, no session ends, and the other shards' apps go on meanwhile",
    async () => {
      // An app on another shard than app1's.
      const primary = await cluster!.ownerOf(owned);
      const owners = await Promise.all(OTHERS.map((app) => cluster!.ownerOf(appKeys('rtm', app).epoch)));
      const other = OTHERS[owners.findIndex((owner) => owner !== primary)];
      const connect = () =>
        RedisStore.connect({ ...storeConnection(cluster!.config), apps: ['app1', other], onError: () => undefined });
      const [a, b] = await Promise.all([connect(), connect()]);
      try {
        const heard: StoreEvent[] = [];
        b.listen((event) => heard.push(event));
        await a.claim('app1', 'alice', 'a1', undefined, lease);
        await b.claim('app1', 'bob', 'b1', undefined, lease);
        const sent: number[] = [];
        let stop = false;
        const sending = (async () => {
          for (let id = 1; !stop; id++) {
            const message = { from: 'alice', message: { type: 'TEXT', data: String(id) }, ts: Date.now() } as const;
            const outcome = await a.sendToPeer('app1', 'alice', 'a1', { id, to: 'bob', offline: false, message });
            if (outcome.ok) sent.push(id);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        })();
        await new Promise((resolve) => setTimeout(resolve, 300));
        const killedAt = performance.now();
        await cluster!.kill(primary);
        // The other shard's app is served throughout.
        const app2At = performance.now();
        await a.claim(other, 'carol', 'c1', undefined, lease);
        const app2Ms = performance.now() - app2At;
        let promotedAt = 0;
        while ((await cluster!.ownerOf(owned)) === primary) await new Promise((resolve) => setTimeout(resolve, 50));
        promotedAt = performance.now();
        const countAtPromotion = sent.length;
        while (sent.length < countAtPromotion + 5) await new Promise((resolve) => setTimeout(resolve, 20));
        const convergedAt = performance.now();
        stop = true;
        await sending;
        await new Promise((resolve) => setTimeout(resolve, 300));
        console.log(
          `      replica promoted ${(promotedAt - killedAt).toFixed(0)} ms after the kill; messages flowed again ` +
            `${(convergedAt - promotedAt).toFixed(0)} ms after it; an app on another shard answered in ` +
            `${app2Ms.toFixed(0)} ms meanwhile`,
        );
        const delivered = heard.flatMap((event) =>
          event.type === 'peerMessage' && event.appId === 'app1' ? [Number(event.message.data)] : [],
        );
        expect(delivered).to.deep.equal(sent);
        expect(heard.filter((event) => event.type === 'ended' || event.type === 'kick')).to.deep.equal([]);
        expect(app2Ms).to.be.below(1000);
        // Both nodes work on the new primary.
        await b.claim('app1', 'dave', 'd1', undefined, lease);
        expect((await a.statuses('app1', ['alice', 'bob', 'dave'])).dave).to.equal('ONLINE');
        expect(a.heldCount + b.heldCount).to.equal(4);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
  );
});
