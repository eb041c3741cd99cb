/**
 * A real Redis Cluster of three primaries for tests: three `redis-server
 * --cluster-enabled yes` (spec/support/redis-process.ts) joined by `redis-cli
 * --cluster create`, each with its slots. One per test run: the first suite
 * that asks starts it, every later one shares it (it is stopped when mocha's
 * process exits), and each empties it with {@link RedisCluster.flush}.
 *
 * Without `redis-server` and `redis-cli` the suites skip, loudly, as the
 * single-Redis ones do ({@link requireRedisCluster}).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { ClusterConfig } from '../../lib/store/redis/redis-config.js';
import { freePort, RedisProcess, redisAvailable } from './redis-process.js';

const CLI = process.env.RTM_TEST_REDIS_CLI ?? 'redis-cli';
const PRIMARIES = 3;
/** Short, so a failed node is noticed quickly (the default is 15 s). */
const NODE_TIMEOUT_MS = 1000;

/** For a `before` hook: skips the suite, with a warning on the console, without redis-server or redis-cli. */
export function requireRedisCluster(context: Mocha.Context, suite: string): void {
  if (redisAvailable() && spawnSync(CLI, ['--version'], { stdio: 'ignore' }).status === 0) return;
  console.warn(`\n  ⚠ SKIPPED ${suite}: no redis-server or ${CLI} can run here (install Debian's redis-server)\n`);
  context.skip();
}

export class RedisCluster {
  private constructor(
    readonly servers: readonly RedisProcess[],
    private readonly directory: string,
  ) {}

  /** The cluster of this test run, started on first use. */
  static shared(): Promise<RedisCluster> {
    shared ??= RedisCluster.start();
    return shared;
  }

  /** `startServer({ redis })` for this cluster: one node's address is enough, the others are found. */
  get config(): ClusterConfig {
    return { cluster: [{ host: '127.0.0.1', port: this.servers[0].port }] };
  }

  /** Empties every primary. */
  async flush(): Promise<void> {
    await Promise.all(this.servers.map((server) => this.admin(server, (redis) => redis.flushall())));
  }

  /** The port of the primary that holds `key`'s slot. */
  async ownerOf(key: string): Promise<number> {
    const slot = await this.admin(this.servers[0], (redis) => redis.call('CLUSTER', 'KEYSLOT', key));
    const ranges = (await this.admin(this.servers[0], (redis) => redis.call('CLUSTER', 'SLOTS'))) as Array<
      [number, number, [string, number]]
    >;
    const range = ranges.find(([from, to]) => Number(slot) >= from && Number(slot) <= to);
    if (!range) throw new Error(`no node holds slot ${String(slot)}`);
    return range[2][1];
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stop()));
    rmSync(this.directory, { recursive: true, force: true });
  }

  private static async start(): Promise<RedisCluster> {
    const directory = mkdtempSync(join(tmpdir(), 'rtm-redis-cluster-'));
    const servers: RedisProcess[] = [];
    const cluster = new RedisCluster(servers, directory);
    process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
    for (let i = 0; i < PRIMARIES; i++) {
      const port = await freePort();
      servers.push(
        await RedisProcess.start(port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(directory, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          String(NODE_TIMEOUT_MS),
          '--dir',
          directory,
        ]),
      );
    }
    for (const server of servers) server.unref();
    const addresses = servers.map((server) => `127.0.0.1:${server.port}`);
    await promisify(execFile)(CLI, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    await cluster.untilServing();
    return cluster;
  }

  /** Waits until every node says the cluster is ok and knows all its nodes. */
  private async untilServing(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (const server of this.servers) {
      for (;;) {
        const info = await this.admin(server, (redis) => redis.call('CLUSTER', 'INFO'));
        if (
          /cluster_state:ok/.test(String(info)) &&
          new RegExp(`cluster_known_nodes:${PRIMARIES}\\b`).test(String(info))
        )
          break;
        if (Date.now() > deadline) throw new Error(`Redis Cluster not ok within 20 s: ${String(info)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** `work` on a plain connection to one server. */
  private async admin<T>(server: RedisProcess, work: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(server.port, '127.0.0.1', { protocol: 2, maxRetriesPerRequest: 1 });
    try {
      return await work(redis);
    } finally {
      redis.disconnect();
    }
  }
}

let shared: Promise<RedisCluster> | undefined;

/**
 * For a `describe` block: the run's Redis Cluster, emptied before the block's tests (skipped where
 * redis-server or redis-cli is missing). Call it inside the block; the getter reads the running one.
 */
export function redisClusterForSuite(): () => RedisCluster {
  let cluster: RedisCluster | undefined;
  before(async function () {
    this.timeout(30_000);
    requireRedisCluster(this, 'Redis Cluster tests');
    cluster = await RedisCluster.shared();
    await cluster.flush();
  });
  return () => cluster!;
}
