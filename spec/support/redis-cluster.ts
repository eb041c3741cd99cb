/**
 * A real Redis Cluster of three primaries for tests: three `redis-server
 * --cluster-enabled yes` (spec/support/redis-process.ts) joined by `redis-cli
 * --cluster create`, each with its slots. One per test run: the first suite
 * that asks starts it, every later one shares it (it is stopped when mocha's
 * process exits), and each empties it with {@link RedisCluster.flush}.
 *
 * A suite that breaks a cluster (kills a primary) starts one of its own, with replicas that can take over.
 *
 * Without `redis-server` and `redis-cli` the suites skip, loudly, as the
 * single-Redis ones do ({@link requireRedisCluster}).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
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
    /** In start order: the first primaries, then replicas (their roles change as they fail over). */
    readonly servers: RedisProcess[],
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

  /** The port of the primary that holds `key`'s slot (as a live server sees it). */
  async ownerOf(key: string): Promise<number> {
    const live = this.servers.find((server) => server.running && !server.paused)!;
    const slot = await this.admin(live, (redis) => redis.call('CLUSTER', 'KEYSLOT', key));
    const ranges = (await this.admin(live, (redis) => redis.call('CLUSTER', 'SLOTS'))) as Array<
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

  /**
   * A cluster of its own, for a suite that breaks it (stop it after): with `replicaFor`, the primary
   * that holds that key's slot gets a replica (the last of {@link servers}), so it can fail over.
   */
  static async start(replicaFor?: string): Promise<RedisCluster> {
    const cluster = await RedisCluster.create(0);
    if (replicaFor === undefined) return cluster;
    const primary = await cluster.ownerOf(replicaFor);
    const id = await cluster.admin(cluster.serverOn(primary), (redis) => redis.call('CLUSTER', 'MYID'));
    const replica = await cluster.startNode();
    cluster.servers.push(replica);
    await promisify(execFile)(CLI, [
      '--cluster',
      'add-node',
      `127.0.0.1:${replica.port}`,
      `127.0.0.1:${primary}`,
      '--cluster-slave',
      '--cluster-master-id',
      String(id),
    ]);
    await cluster.untilServing(PRIMARIES + 1);
    await cluster.untilReplicating([replica]);
    return cluster;
  }

  /** A cluster of its own whose every primary has a replica (six servers), as a production cluster runs. */
  static async startWithReplicas(): Promise<RedisCluster> {
    return RedisCluster.create(1);
  }

  /** The server on `port`. */
  serverOn(port: number): RedisProcess {
    const server = this.servers.find((candidate) => candidate.port === port);
    if (!server) throw new Error(`no server of this cluster on ${port}`);
    return server;
  }

  /** The replica of the primary on `port` (as that primary sees it). */
  async replicaOf(port: number): Promise<RedisProcess> {
    const info = await this.admin(this.serverOn(port), (redis) => redis.info('replication'));
    const replica = /^slave0:ip=[^,]*,port=(\d+),state=online/m.exec(info);
    if (!replica) throw new Error(`the primary on ${port} has no replica online: ${info}`);
    return this.serverOn(Number(replica[1]));
  }

  /**
   * Writes the primary on `port` acknowledges from now on never reach its replica: the replica is frozen
   * (SIGSTOP) and the primary drops its link to it. {@link resumeReplica} thaws it; once the primary is
   * dead, it cannot fetch them any more.
   */
  async holdReplication(port: number): Promise<RedisProcess> {
    const replica = await this.replicaOf(port);
    replica.pause(true);
    await this.admin(this.serverOn(port), (redis) => redis.call('CLIENT', 'KILL', 'TYPE', 'replica'));
    return replica;
  }

  /** Resolves (with the time) once a server other than `port` holds `key`'s slot; rejects after `timeoutMs`. */
  async promoted(key: string, port: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const owner = await this.ownerOf(key).catch(() => port);
      if (owner !== port) return performance.now();
      if (performance.now() > deadline) throw new Error(`no replica took over ${key}'s slot within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** {@link PRIMARIES} primaries joined into a cluster, each with `replicas` replicas, every replica linked. */
  private static async create(replicas: number): Promise<RedisCluster> {
    const directory = mkdtempSync(join(tmpdir(), 'rtm-redis-cluster-'));
    const servers: RedisProcess[] = [];
    const cluster = new RedisCluster(servers, directory);
    process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
    const count = PRIMARIES * (1 + replicas);
    for (let i = 0; i < count; i++) servers.push(await cluster.startNode());
    const addresses = servers.map((server) => `127.0.0.1:${server.port}`);
    const replicasArgument = ['--cluster-replicas', String(replicas)];
    await promisify(execFile)(CLI, ['--cluster', 'create', ...addresses, ...replicasArgument, '--cluster-yes']);
    await cluster.untilServing(count);
    // redis-cli makes the last servers the replicas.
    await cluster.untilReplicating(servers.slice(PRIMARIES));
    return cluster;
  }

  /** Kills the server on `port` (SIGKILL: as a crash). */
  async kill(port: number): Promise<void> {
    await this.servers.find((server) => server.port === port)?.kill();
  }

  /**
   * Starts the killed server on `port` again, with its old node id (its cluster config file): the cluster makes it
   * a replica of the primary that took over its slots. Resolves once its link to that primary is up.
   */
  async rejoin(port: number): Promise<void> {
    const server = this.serverOn(port);
    await server.restart();
    await this.until(server, /role:slave[^]*master_link_status:up/, (redis) => redis.info('replication'));
  }

  /** A failover by hand (`CLUSTER FAILOVER` on the replica on `port`): its primary lives on as its replica. */
  async failoverByHand(port: number): Promise<void> {
    const reply = await this.admin(this.serverOn(port), (redis) => redis.call('CLUSTER', 'FAILOVER'));
    if (reply !== 'OK') throw new Error(`CLUSTER FAILOVER answered ${String(reply)}`);
  }

  /** Thaws a replica {@link holdReplication} froze. */
  resumeReplica(replica: RedisProcess): void {
    replica.pause(false);
  }

  /** A cluster-enabled server, not yet in the cluster. */
  private async startNode(): Promise<RedisProcess> {
    const port = await freePort();
    const server = await RedisProcess.start(port, [
      '--cluster-enabled',
      'yes',
      // Its own free port for the cluster bus (by default port + 10000, which may be taken).
      '--cluster-port',
      String(await freePort()),
      '--cluster-config-file',
      join(this.directory, `nodes-${port}.conf`),
      '--cluster-node-timeout',
      String(NODE_TIMEOUT_MS),
      '--dir',
      this.directory,
    ]);
    server.unref();
    return server;
  }

  /** Waits until every node says the cluster is ok and knows its `nodes`. */
  private async untilServing(nodes: number): Promise<void> {
    for (const server of this.servers) {
      await this.until(server, new RegExp(`cluster_state:ok[^]*cluster_known_nodes:${nodes}\\b`), (redis) =>
        redis.call('CLUSTER', 'INFO'),
      );
    }
  }

  /** Waits until each of `replicas` has its link to its primary up. */
  private async untilReplicating(replicas: readonly RedisProcess[]): Promise<void> {
    for (const replica of replicas)
      await this.until(replica, /master_link_status:up/, (redis) => redis.info('replication'));
  }

  /** Waits (20 s at most) until what `read` reads from `server` matches `pattern`. */
  private async until(server: RedisProcess, pattern: RegExp, read: (redis: Redis) => Promise<unknown>): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const text = String(await this.admin(server, read));
      if (pattern.test(text)) return;
      if (Date.now() > deadline) throw new Error(`Redis Cluster: no ${String(pattern)} within 20 s: ${text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** `work` on a plain connection to one server. */
  async admin<T>(server: RedisProcess, work: (redis: Redis) => Promise<T>): Promise<T> {
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
