/**
 * A Redis primary, its replica and three Sentinels watching them: real
 * `redis-server` processes on free loopback ports (the Sentinels'
 * configuration files, which they rewrite, in a temporary directory), with
 * short timings so a failover takes a second or two instead of the default
 * half minute. Everything started here is stopped by `stop()`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { SentinelConfig } from '../../lib/store/redis/redis-config.js';
import { freePort, RedisProcess } from './redis-process.js';

/** The group's name, as the Sentinels monitor it. */
export const GROUP = 'rtm-primary';
/** A primary silent this long is down for a Sentinel (`down-after-milliseconds`). */
export const DOWN_AFTER_MS = 1000;
const FAILOVER_TIMEOUT_MS = 3000;
const SENTINELS = 3;
const QUORUM = 2;

/** An admin connection that gives up at once: the group's state is polled, never waited on. */
function admin(port: number): Redis {
  const redis = new Redis({ port, host: '127.0.0.1', protocol: 2, retryStrategy: () => null, lazyConnect: true });
  redis.on('error', () => undefined);
  return redis;
}

/** `command` on the server at `port`, or undefined if it does not answer. */
async function ask(port: number, ...command: string[]): Promise<unknown> {
  const redis = admin(port);
  try {
    await redis.connect();
    return await redis.call(command[0], ...command.slice(1));
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** A flat `[name, value, …]` reply as a map. */
function fields(reply: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (Array.isArray(reply))
    for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`sentinel group: ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export class SentinelGroup {
  private constructor(
    private readonly dir: string,
    /** The primary when the group started, then the replica the Sentinels promote. */
    readonly primary: RedisProcess,
    readonly replica: RedisProcess,
    readonly sentinels: readonly RedisProcess[],
  ) {}

  /** Starts the group; resolves once the replica is in sync and every Sentinel knows it and the others. */
  static async start(): Promise<SentinelGroup> {
    const dir = await mkdtemp(join(tmpdir(), 'rx-rtm-sentinel-'));
    // (In the directory: a replica writes the data it receives to a file there.)
    const primary = await RedisProcess.start(undefined, ['--dir', dir]);
    const replica = await RedisProcess.start(undefined, [
      '--dir',
      dir,
      '--replicaof',
      '127.0.0.1',
      String(primary.port),
    ]);
    const sentinels: RedisProcess[] = [];
    const group = new SentinelGroup(dir, primary, replica, sentinels);
    try {
      await until('the replica in sync', 10_000, async () =>
        /master_link_status:up/.test(String(await ask(replica.port, 'INFO', 'replication'))),
      );
      for (let i = 0; i < SENTINELS; i++) {
        const file = join(dir, `sentinel-${i}.conf`);
        await writeFile(
          file,
          [
            `dir ${dir}`,
            `sentinel monitor ${GROUP} 127.0.0.1 ${primary.port} ${QUORUM}`,
            `sentinel down-after-milliseconds ${GROUP} ${DOWN_AFTER_MS}`,
            `sentinel failover-timeout ${GROUP} ${FAILOVER_TIMEOUT_MS}`,
            '',
          ].join('\n'),
        );
        sentinels.push(await RedisProcess.startSentinel(await freePort(), file));
      }
      // Sentinels find the replica in the primary's INFO and each other through its hello channel (every 2 s).
      await until('every Sentinel knowing the replica and the others', 15_000, async () => {
        for (const sentinel of sentinels) {
          const master = fields(await ask(sentinel.port, 'SENTINEL', 'MASTER', GROUP));
          if (master.get('num-slaves') !== '1' || master.get('num-other-sentinels') !== String(SENTINELS - 1))
            return false;
        }
        return true;
      });
    } catch (error) {
      await group.stop();
      throw error;
    }
    return group;
  }

  /** What a node is given: the Sentinels and the group's name. */
  get config(): SentinelConfig {
    return { sentinels: this.sentinels.map(({ port }) => ({ host: '127.0.0.1', port })), name: GROUP };
  }

  /** The port the first Sentinel names as the primary now (undefined if it does not answer). */
  async primaryPort(): Promise<number | undefined> {
    const reply = await ask(this.sentinels[0].port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', GROUP);
    return Array.isArray(reply) ? Number(reply[1]) : undefined;
  }

  /** Resolves at the moment (`performance.now()`) the replica is a primary that every Sentinel names. */
  async promoted(timeoutMs: number): Promise<number> {
    await until('the replica promoted', timeoutMs, async () => {
      const role = await ask(this.replica.port, 'ROLE');
      if (!Array.isArray(role) || role[0] !== 'master') return false;
      for (const sentinel of this.sentinels) {
        const reply = await ask(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', GROUP);
        if (!Array.isArray(reply) || Number(reply[1]) !== this.replica.port) return false;
      }
      return true;
    });
    return performance.now();
  }

  /**
   * Cuts the replica off from the primary so that writes from now on exist on the primary only, as
   * writes a primary acknowledged and had not yet sent when it died: the replica is frozen, the
   * primary drops its replication link, and {@link resumeReplica} thaws the replica (which finds the
   * link gone and can no longer fetch them once the primary is dead).
   */
  async holdReplication(): Promise<void> {
    this.replica.pause(true);
    await ask(this.primary.port, 'CLIENT', 'KILL', 'TYPE', 'replica');
  }

  resumeReplica(): void {
    this.replica.pause(false);
  }

  /** A failover ordered by hand (`SENTINEL FAILOVER`): the primary lives on, demoted to a replica of the other. */
  async failover(): Promise<void> {
    const reply = await ask(this.sentinels[0].port, 'SENTINEL', 'FAILOVER', GROUP);
    if (reply !== 'OK') throw new Error(`SENTINEL FAILOVER answered ${String(reply)}`);
  }

  /** The names of the connections `server` has now (rx-rtm names its own), or [] if it does not answer. */
  async connectionNames(server: RedisProcess): Promise<string[]> {
    const list = await ask(server.port, 'CLIENT', 'LIST');
    if (typeof list !== 'string') return [];
    return [...list.matchAll(/ name=(\S*)/g)].map((match) => match[1]).filter((name) => name !== '');
  }

  async stop(): Promise<void> {
    this.replica.pause(false);
    await Promise.all([this.primary, this.replica, ...this.sentinels].map((server) => server.stop()));
    await rm(this.dir, { recursive: true, force: true });
  }
}
