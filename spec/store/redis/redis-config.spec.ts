/** Where a node finds Redis: checked before anything connects, each mistake named. */
import { expect } from 'chai';
import { startServer } from '../../../lib/server/start-server.js';
import { RedisStore, StoreUnavailableError } from '../../../lib/store/redis-store.js';
import {
  describeRedis,
  RedisConfigError,
  storeConnection,
  type RedisConfig,
} from '../../../lib/store/redis/redis-config.js';
import { freePort } from '../../support/redis-process.js';

/** The message `storeConnection` refuses `config` with (as if from untyped JSON). */
function refusal(config: unknown): string {
  try {
    storeConnection(config as RedisConfig);
  } catch (error) {
    expect(error).to.be.instanceOf(RedisConfigError);
    return (error as RedisConfigError).message;
  }
  return 'accepted';
}

describe('Redis configuration', () => {
  it('a URL is passed on as it is', () => {
    expect(storeConnection({ url: 'rediss://user:pw@redis.example.com:6380/2' })).to.deep.equal({
      url: 'rediss://user:pw@redis.example.com:6380/2',
    });
  });

  it("Sentinels: the group's name and options for that mode, with failover detection and READONLY reconnects", () => {
    const config = {
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-2', port: 26380 },
      ],
      name: 'rtm',
      password: 'pw',
      sentinelPassword: 'spw',
    };
    const { redis } = storeConnection(config);
    const { reconnectOnError, ...rest } = redis!;
    expect(rest).to.deep.equal({ ...config, failoverDetector: true });
    // A demoted primary this node stayed connected to: reconnect (through the Sentinels) and send it again.
    expect(reconnectOnError!(new Error("READONLY You can't write against a read only replica."))).to.equal(2);
    expect(reconnectOnError!(new Error('UNBLOCKED force unblock from blocking operation'))).to.equal(2);
    expect(reconnectOnError!(new Error('ERR wrong number of arguments'))).to.equal(false);
    expect(describeRedis({ redis })).to.equal('primary "rtm" through Sentinel 10.0.0.1:26379, sentinel-2:26380');
    expect(describeRedis({ url: 'redis://:secret@h:6379' })).to.equal('redis://:***@h:6379');
  });

  it('Redis Cluster: the seeds, and the options for that mode as they are', () => {
    const config = {
      cluster: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-replica-2', port: 7004 },
      ],
      redisOptions: { password: 'pw' },
      retryDelayOnFailover: 500,
    };
    const connection = storeConnection(config);
    expect(connection).to.deep.equal({
      cluster: { nodes: config.cluster, options: { redisOptions: { password: 'pw' }, retryDelayOnFailover: 500 } },
    });
    expect(describeRedis(connection)).to.equal('Redis Cluster through 10.0.0.1:7000, redis-replica-2:7004');
  });

  it('refuses what cannot work, naming the field (never quoting a URL: it may hold a password)', () => {
    expect(refusal(null)).to.equal('redis must be an object');
    expect(refusal({})).to.equal('redis takes one of url, sentinels with a name, or cluster, got none');
    expect(refusal({ url: 'redis://h', sentinels: [], name: 'x' })).to.equal(
      'redis takes one of url, sentinels with a name, or cluster, got url and sentinels',
    );
    expect(refusal({ sentinels: [], name: 'x', cluster: [] })).to.equal(
      'redis takes one of url, sentinels with a name, or cluster, got sentinels and cluster',
    );
    expect(refusal({ cluster: [] })).to.equal('redis.cluster must be a non-empty array of { host, port }');
    expect(
      refusal({
        cluster: [
          { host: 'a', port: 7000 },
          { host: 'b', port: '7001' },
        ],
      }),
    ).to.equal('redis.cluster[1].port must be an integer from 1 to 65535, got 7001');
    expect(refusal({ url: 'http://user:hunter2@h' })).to.equal(
      'redis.url must be a URL like redis://[user:password@]host:6379[/db] or rediss://…',
    );
    expect(refusal({ sentinels: [], name: 'x' })).to.equal(
      'redis.sentinels must be a non-empty array of { host, port }',
    );
    expect(refusal({ sentinels: [{ host: '', port: 1 }], name: 'x' })).to.equal(
      'redis.sentinels[0].host must be a host name or an IP address',
    );
    expect(refusal({ sentinels: [{ host: 'a', port: 1 }, { host: 'b' }], name: 'x' })).to.equal(
      'redis.sentinels[1].port must be an integer from 1 to 65535, got undefined',
    );
    expect(refusal({ sentinels: [{ host: 'a', port: 70_000 }], name: 'x' })).to.equal(
      'redis.sentinels[0].port must be an integer from 1 to 65535, got 70000',
    );
    expect(refusal({ sentinels: [{ host: 'a', port: 26379 }] })).to.equal(
      'redis.name must name the group the Sentinels monitor',
    );
  });

  it('startServer refuses a bad configuration, or redis beside redisUrl, before it connects or listens', async () => {
    const apps = { app: 'secret' };
    const refused = async (options: Partial<Parameters<typeof startServer>[0]>) => {
      const error: unknown = await startServer({ port: 0, apps, ...options }).then(
        () => 'started',
        (failure: unknown) => failure,
      );
      expect(error).to.be.instanceOf(RedisConfigError);
      return (error as Error).message;
    };
    expect(await refused({ redis: { url: 'redis://h:1' }, redisUrl: 'redis://h:1' })).to.equal(
      'give redis or redisUrl (its earlier spelling), not both',
    );
    expect(await refused({ redisUrl: 'localhost:6379' })).to.equal(
      'redisUrl must be a URL like redis://host:6379 or rediss://…',
    );
    expect(await refused({ redis: { sentinels: [{ host: 'a', port: 0 }], name: 'x' } })).to.equal(
      'redis.sentinels[0].port must be an integer from 1 to 65535, got 0',
    );
  });

  it('no Sentinel answering: the start fails with a StoreUnavailableError naming the group and Sentinels', async () => {
    const port = await freePort();
    const failure: unknown = await RedisStore.connect({
      ...storeConnection({ sentinels: [{ host: '127.0.0.1', port }], name: 'rtm' }),
      apps: ['app'],
      connectTimeoutMs: 300,
      onError: () => undefined,
    }).then(
      () => 'connected',
      (error: unknown) => error,
    );
    expect(failure).to.be.instanceOf(StoreUnavailableError);
    expect((failure as Error).message).to.match(
      new RegExp(`^cannot use Redis at primary "rtm" through Sentinel 127\\.0\\.0\\.1:${port}: .*unreachable`),
    );
  });
});
