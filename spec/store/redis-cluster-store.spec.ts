/**
 * RedisStore over a real Redis Cluster of three primaries (spec/support/redis-cluster.ts): the
 * PresenceStore contract the memory and single-Redis stores pass, then apps whose keys live on
 * different shards, read by one stream reader per slot.
 */
import { expect } from 'chai';
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
