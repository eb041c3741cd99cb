/**
 * A test cluster: one real redis-server (or a Sentinel group, or a Redis Cluster), server nodes as child processes
 * (spec/support/cluster-node.ts, so one can be SIGKILLed), a fault proxy in
 * front of each node, and real clients (lib/node.js) logging in through
 * the proxies. Everything started here is stopped by `close()`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createClient, type RtmClient, type RtmClientOptions } from '../../lib/node.js';
import type { RtmChannel } from '../../lib/client/rtm-channel.js';
import { MemberLog } from '../support/member-log.js';
import { createToken } from '../../lib/server/token.js';
import type { ClusterNodeSettings, NodeMessage, NodeRequest } from '../support/cluster-node.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { RedisProcess, requireRedis } from '../support/redis-process.js';
import { RedisCluster } from '../support/redis-cluster.js';
import { SentinelGroup } from '../support/sentinel-group.js';
import { storeConnection } from '../../lib/store/redis/redis-config.js';
import { eventually } from '../support/eventually.js';
import { sleep, StateRecorder } from '../support/state-recorder.js';

export { eventually };

export const APP = 'demo';
export const SECRET = 'cluster-test-secret';
const NODE_SCRIPT = fileURLToPath(new URL('../support/cluster-node.ts', import.meta.url));

export const token = (uid: string) => createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 3600 });

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

/** A server node in a child process. */
export class NodeProcess {
  readonly errors: string[] = [];
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
    child.on('message', (raw) => {
      const message = raw as NodeMessage;
      if (message.type === 'error') this.errors.push(message.message);
      if (message.type !== 'reply') return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.ok) waiter?.resolve(message.value);
      else waiter?.reject(new Error(message.message));
    });
  }

  static async start(settings: ClusterNodeSettings): Promise<NodeProcess> {
    const child = fork(NODE_SCRIPT, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, RTM_CLUSTER_NODE: JSON.stringify(settings) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('node did not start within 20 s')), 20_000);
      child.on('message', (raw) => {
        const message = raw as NodeMessage;
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.port);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`node exited (${code}) before it was ready`));
      });
    });
    return new NodeProcess(child, ready);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  request(request: Distribute<NodeRequest>): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...request, id });
    });
  }

  async sessions(): Promise<number> {
    return (await this.request({ cmd: 'sessions' })) as number;
  }

  /** No goodbye: the process dies at once. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Graceful: goaway to every client, then exit. */
  async close(): Promise<void> {
    if (!this.alive) return;
    // (A node that does not answer, or does not exit, within 3 s is killed.)
    await Promise.race([this.request({ cmd: 'close' }).catch(() => undefined), sleep(3000)]);
    await Promise.race([this.exited, sleep(3000)]);
    await this.kill();
  }
}

/** The Redis the nodes of a test cluster share. */
export type SharedRedis = RedisProcess | SentinelGroup | RedisCluster;

export interface User {
  uid: string;
  client: RtmClient;
  states: StateRecorder;
}

export interface ClusterOptions {
  nodes: number;
  presenceGraceMs?: number;
  unreachableMs?: number;
  /** How long a closing node waits for its clients and sessions to go (the node's default here: 500 ms). */
  shutdownGraceMs?: number;
}

export class Cluster {
  readonly nodes: NodeProcess[] = [];
  readonly proxies: FaultProxy[] = [];
  private readonly clients: RtmClient[] = [];
  admin: Redis | undefined;

  private constructor(private readonly settings: ClusterNodeSettings) {}

  /** Nodes start in parallel; each gets a fault proxy in front of it. */
  static async start(redis: SharedRedis, options: ClusterOptions): Promise<Cluster> {
    const settings: ClusterNodeSettings = {
      redis: redis instanceof RedisProcess ? { url: redis.url } : redis.config,
      apps: { [APP]: SECRET },
      ...(options.presenceGraceMs === undefined ? {} : { presenceGraceMs: options.presenceGraceMs }),
      ...(options.unreachableMs === undefined ? {} : { unreachableMs: options.unreachableMs }),
      ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
    };
    const cluster = new Cluster(settings);
    try {
      const nodes = await Promise.all(Array.from({ length: options.nodes }, () => NodeProcess.start(settings)));
      cluster.nodes.push(...nodes);
      for (const node of nodes) cluster.proxies.push(await startFaultProxy({ target: { port: node.port } }));
      const adminOptions = { protocol: 2, maxRetriesPerRequest: 1, retryStrategy: () => 200 } as const;
      // (On a Redis Cluster, the server of its first node only.)
      cluster.admin =
        redis instanceof SentinelGroup
          ? new Redis({ ...storeConnection(redis.config).redis, ...adminOptions })
          : new Redis(redis instanceof RedisCluster ? redis.servers[0].url : redis.url, adminOptions);
      cluster.admin.on('error', () => undefined);
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** A client whose link goes through node `index`'s proxy; logged in before it is returned. */
  async user(uid: string, index: number, options: Partial<RtmClientOptions> = {}): Promise<User> {
    const client = this.client(index, options);
    const states = new StateRecorder(client);
    await client.login({ uid, token: token(uid) });
    return { uid, client, states };
  }

  /** A client on node `index`'s proxy, not logged in. */
  client(index: number, options: Partial<RtmClientOptions> = {}): RtmClient {
    const client = createClient({ url: `ws://127.0.0.1:${this.proxies[index].port}/`, appId: APP, ...options });
    this.clients.push(client);
    return client;
  }

  /** Joins `channel` and records its member events. */
  static async join(user: User, channel: string): Promise<{ channel: RtmChannel; log: MemberLog }> {
    const joined = user.client.createChannel(channel);
    await joined.join();
    return { channel: joined, log: new MemberLog(joined) };
  }

  /** Logs out and forgets every client made so far. */
  async dropClients(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((client) => client.destroy().catch(() => undefined)));
  }

  /** A node that was killed, started again behind its old proxy. */
  async restartNode(index: number): Promise<void> {
    await this.nodes[index].kill();
    this.nodes[index] = await NodeProcess.start(this.settings);
    this.proxies[index].retarget({ port: this.nodes[index].port });
  }

  /** Top-level commands Redis ran since the last call (INFO commandstats, script-internal calls excluded). */
  async commandsSince(): Promise<{ scripts: number; reads: number; other: Record<string, number> }> {
    const info = await this.admin!.info('commandstats');
    await this.admin!.config('RESETSTAT');
    const counts: Record<string, number> = {};
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts[match[1]] = Number(match[2]);
    const scripts = (counts.evalsha ?? 0) + (counts.eval ?? 0);
    const reads = counts.xread ?? 0;
    const other = Object.fromEntries(
      Object.entries(counts).filter(([name]) => !/^(evalsha|eval|xread|info|config\|resetstat)$/.test(name)),
    );
    return { scripts, reads, other };
  }

  /** Stops every client, proxy and node (not Redis, which the suite owns). */
  async close(): Promise<void> {
    await this.dropClients();
    await Promise.all(this.proxies.splice(0).map((proxy) => proxy.close()));
    await Promise.all(this.nodes.splice(0).map((node) => node.close()));
    this.admin?.disconnect();
  }
}

/**
 * For a `describe` block: starts a cluster before its tests and stops it
 * after them; every client is logged out after each test.
 */
export function clusterFor(redis: () => SharedRedis, options: ClusterOptions): () => Cluster {
  let cluster: Cluster | undefined;
  before(async () => {
    cluster = await Cluster.start(redis(), options);
  });
  afterEach(async () => {
    await cluster?.dropClients();
  });
  after(async () => {
    await cluster?.close();
  });
  return () => cluster!;
}

/**
 * A Redis that fails over (a Sentinel group, a Redis Cluster with replicas) for a `describe` block, and two nodes
 * on it in a block inside, so the nodes stop before it does (mocha runs an inner block's `after` hooks first).
 * `start` may skip the block (no redis-server here). Before the tests the nodes have run a while: a sweep recorded
 * when it ran (`swept` counts that record), so the first sweep after a failover finds the stall and holds expiries
 * until the nodes' refreshes land (docs/CLUSTER.md, Stalls).
 */
export function onFailingRedis<R extends SharedRedis>(
  title: string,
  start: (context: Mocha.Context) => Promise<R>,
  options: ClusterOptions,
  swept: (redis: R, cluster: Cluster) => Promise<number>,
  tests: (redis: () => R, cluster: () => Cluster) => void,
): void {
  describe(title, () => {
    let redis: R | undefined;
    before(async function () {
      this.timeout(30_000);
      redis = await start(this);
    });
    after(async () => {
      await redis?.stop();
    });
    describe('two nodes', () => {
      const cluster = clusterFor(() => redis!, options);
      before(async () => {
        await eventually(async () => {
          expect(await swept(redis!, cluster())).to.equal(1);
        }, 5000);
      });
      tests(() => redis!, cluster);
    });
  });
}

/**
 * A redis-server for the calling `describe` block: started before its tests (skipped where there is no
 * redis-server), stopped after them. Call it inside the block; the getter reads the running one.
 */
export function redisForSuite(): () => RedisProcess {
  let redis: RedisProcess | undefined;
  before(async function () {
    requireRedis(this, 'cluster tests');
    redis = await RedisProcess.start();
  });
  after(async () => {
    await redis?.stop();
  });
  return () => redis!;
}

export { expect, MemberLog, sleep };
