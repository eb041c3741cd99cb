/**
 * Cluster figures: the cost of sharing state through Redis (cluster mode,
 * startServer's `redisUrl`). Against a local `redis-server` on a free
 * loopback port (spec/support/redis-process.ts):
 *
 * - one node holding the same sessions with the in-memory store and with
 *   Redis: its CPU at the default heartbeat, memory per session, round
 *   trips, and the Redis commands it sends per heartbeat (`INFO stats`
 *   before and after the window, divided by the pings sent in it);
 * - two nodes on one Redis: members logged in on node B, a subject on node
 *   A joins and leaves their channel; MemberJoined / MemberLeft latency to
 *   each member, across nodes;
 * - two nodes on one Redis, peer messages: every session on node A sends
 *   one a second to its twin on node B and back, so every message crosses
 *   nodes through Redis; delivery latency and the round trip to `sent`.
 *
 * Without a redis-server binary it reports `not measured`.
 */
import { Redis } from 'ioredis';
import { redisAvailable, RedisProcess } from '../../spec/support/redis-process.js';
import { sleep, type BenchContext } from '../harness/context.js';
import {
  joinChannel,
  openSessions,
  startGenerators,
  startServerChild,
  stopGenerators,
  stopServerChild,
  type StartedServer,
} from '../harness/fleet.js';
import { cpuSeconds } from '../harness/proc.js';
import { concatSamples, round, rounded, summarize } from '../harness/stats.js';
import { CHANNEL, trial } from './fanout.js';
import { openFleet, peerPlan, trafficStep, type TrafficStep } from './messages.js';
import { DEFAULT_HEARTBEAT_MS, runStep, type SessionStep } from './sessions.js';

export interface ClusterFigures {
  sessionsPerNode: number;
  /** The same node and load with each store. */
  memoryStore: SessionStep;
  redisStore: SessionStep;
  /**
   * Redis commands run per heartbeat, counting those run inside scripts
   * (`INFO commandstats` counts both): the work Redis does for presence.
   */
  redisCommandsPerHeartbeat: number | null;
  /** Round trips to Redis per heartbeat: calls of scripts (EVALSHA, EVAL, FCALL); refreshes go out batched. */
  redisScriptCallsPerHeartbeat: number | null;
  /** redis-server's CPU during the window, % of one core. */
  redisCpuPercent: number | null;
  /** Redis commands per second during the heartbeat window, and the busiest commands. */
  redisCommandsPerSecond: number | null;
  redisTopCommands: Record<string, number>;
  /** Two nodes on one Redis: a subject on node A, members on node B. */
  crossNode: {
    members: number;
    trials: number;
    joined: ReturnType<typeof rounded>;
    left: ReturnType<typeof rounded>;
    lastMemberJoined: ReturnType<typeof rounded>;
    missed: number;
  };
  /** Two nodes on one Redis: sessions on A and their twins on B send each other peer messages. */
  crossNodePeers: TrafficStep;
}

export type ClusterResult = { status: 'not measured'; reason: string } | ({ status: 'measured' } & ClusterFigures);

function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

/** Calls per command so far (`INFO commandstats`). */
async function commandCounts(redis: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const [key, value] of parseInfo(await redis.info('commandstats'))) {
    const calls = /calls=(\d+)/.exec(value);
    if (key.startsWith('cmdstat_') && calls) counts.set(key.slice(8), Number(calls[1]));
  }
  return counts;
}

/** Runs `work` against two rx-rtm nodes sharing the Redis at `redisUrl`, and stops them after. */
async function withTwoNodes<T>(
  ctx: BenchContext,
  redisUrl: string,
  label: string,
  work: (a: StartedServer, b: StartedServer) => Promise<T>,
): Promise<T> {
  const nodeA = await startServerChild(ctx, 'rx-rtm', `${label} A`, { store: 'redis', redisUrl });
  try {
    const nodeB = await startServerChild(ctx, 'rx-rtm', `${label} B`, { store: 'redis', redisUrl });
    try {
      return await work(nodeA, nodeB);
    } finally {
      await stopServerChild(nodeB);
    }
  } finally {
    await stopServerChild(nodeA);
  }
}

/** Peer messages between `sessions` / 2 sessions on node A and as many twins on node B. */
async function crossNodePeers(ctx: BenchContext, redisUrl: string, sessions: number): Promise<TrafficStep> {
  const label = `cluster cross-node peers ${sessions}`;
  return withTwoNodes(ctx, redisUrl, label, async (nodeA, nodeB) => {
    const half = Math.max(2, Math.floor(sessions / 4) * 2);
    const a = await openFleet(ctx, nodeA, half, 'xa', `${label} on A`);
    try {
      const b = await openFleet(ctx, nodeB, half, 'xb', `${label} on B`);
      try {
        await sleep(2000);
        const prefixes = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}-`);
        const step = await trafficStep(
          ctx,
          [nodeA, nodeB],
          [...a, ...b],
          peerPlan(half * 2, [
            { size: half, prefixes: prefixes('xa', a.length) },
            { size: half, prefixes: prefixes('xb', b.length) },
          ]),
        );
        ctx.log(
          `${label}: delivered ${step.deliveredPerSecond}/s of ${step.offeredPerSecond}/s, latency p50 ` +
            `${step.latency.p50} ms p99 ${step.latency.p99} ms, round trip p50 ${step.answer.p50} ms ` +
            `p99 ${step.answer.p99} ms, refused ${step.refused}; nodes CPU ${step.serverCpuPercent} % each`,
        );
        return step;
      } finally {
        await stopGenerators(b);
      }
    } finally {
      await stopGenerators(a);
    }
  });
}

async function crossNode(ctx: BenchContext, redisUrl: string, members: number): Promise<ClusterFigures['crossNode']> {
  const label = `cluster cross-node ${members}`;
  return withTwoNodes(ctx, redisUrl, label, async (nodeA, nodeB) => {
    const memberGenerators = await startGenerators(ctx, nodeB, members, DEFAULT_HEARTBEAT_MS, 'cm');
    const [subject] = await startGenerators(ctx, nodeA, 1, DEFAULT_HEARTBEAT_MS, 'csubject');
    try {
      const opened = await openSessions(ctx, memberGenerators, members, `${label} members on B`);
      if (opened.failed > 0)
        throw new Error(`${label}: ${opened.failed} members failed to log in (${opened.firstFailure})`);
      await openSessions(ctx, [subject], 1, `${label} subject on A`);
      await joinChannel(ctx, memberGenerators, CHANNEL, label);
      await sleep(2000);
      const joined: Float64Array[] = [];
      const left: Float64Array[] = [];
      const last: number[] = [];
      let missed = 0;
      for (let t = 0; t < ctx.options.fanoutTrials; t++) {
        const j = await trial(memberGenerators, subject, 'csubject0-0', 'join', members);
        joined.push(j.latencies);
        last.push(Math.max(...j.latencies));
        missed += j.missed;
        await sleep(200);
        const l = await trial(memberGenerators, subject, 'csubject0-0', 'leave', members);
        left.push(l.latencies);
        missed += l.missed;
        await sleep(200);
      }
      const result = {
        members,
        trials: ctx.options.fanoutTrials,
        joined: rounded(summarize(concatSamples(joined))),
        left: rounded(summarize(concatSamples(left))),
        lastMemberJoined: rounded(summarize(last)),
        missed,
      };
      ctx.log(
        `${label}: MemberJoined A → B p50 ${result.joined.p50} ms p99 ${result.joined.p99} ms; ` +
          `MemberLeft p50 ${result.left.p50} ms p99 ${result.left.p99} ms; missed ${missed}`,
      );
      return result;
    } finally {
      await stopGenerators([...memberGenerators, subject]);
    }
  });
}

export async function runCluster(ctx: BenchContext): Promise<ClusterResult> {
  if (!redisAvailable()) {
    const reason = 'no redis-server binary here (RTM_TEST_REDIS_SERVER names another)';
    ctx.log(`cluster: not measured (${reason})`);
    return { status: 'not measured', reason };
  }
  const sessions = Math.min(ctx.options.clusterSessions, ctx.maxSessionsPerProcess);
  const redisProcess = await RedisProcess.start();
  const redis = new Redis(redisProcess.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const plan = { sessions, heartbeatMs: DEFAULT_HEARTBEAT_MS, note: `${sessions} per node` };
    ctx.log(`cluster: one node, ${sessions} sessions, in-memory store`);
    const memoryStore = await runStep(ctx, 'rx-rtm', plan, { label: `cluster memory-store ${sessions}` });
    ctx.log(`cluster: one node, ${sessions} sessions, Redis store (${redisProcess.url})`);
    const redisPid = Number(parseInfo(await redis.info('server')).get('process_id'));
    let before = new Map<string, number>();
    let startedAt = 0;
    let redisCpuAtStart = 0;
    let perHeartbeat: number | null = null;
    let scriptsPerHeartbeat: number | null = null;
    let perSecond: number | null = null;
    let redisCpu: number | null = null;
    const top: Record<string, number> = {};
    const redisStore = await runStep(ctx, 'rx-rtm', plan, {
      label: `cluster redis-store ${sessions}`,
      server: { store: 'redis', redisUrl: redisProcess.url },
      beforeWindow: async () => {
        before = await commandCounts(redis);
        startedAt = performance.now();
        redisCpuAtStart = cpuSeconds(redisPid);
      },
      afterWindow: async (pings) => {
        const seconds = (performance.now() - startedAt) / 1000;
        redisCpu = round(((cpuSeconds(redisPid) - redisCpuAtStart) / seconds) * 100, 1);
        const after = await commandCounts(redis);
        let total = 0;
        // Our own INFO calls are not the node's.
        for (const [name, calls] of after) {
          const delta = calls - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
          if (delta <= 0) continue;
          total += delta;
          top[name] = delta;
        }
        perHeartbeat = pings > 0 ? round(total / pings, 4) : null;
        const scripts = (top.evalsha ?? 0) + (top.eval ?? 0) + (top.fcall ?? 0);
        scriptsPerHeartbeat = pings > 0 ? round(scripts / pings, 5) : null;
        perSecond = round(total / seconds, 1);
      },
    });
    ctx.log(
      `cluster: ${perSecond} Redis commands/s, ${perHeartbeat} per heartbeat (${scriptsPerHeartbeat} script calls), ` +
        `redis-server CPU ${redisCpu}% (${JSON.stringify(top)})`,
    );
    await redis.flushall();
    const members = Math.min(ctx.options.clusterMembers, ctx.maxSessionsPerProcess);
    const cross = await crossNode(ctx, redisProcess.url, members);
    await redis.flushall();
    const peers = await crossNodePeers(ctx, redisProcess.url, members);
    return {
      status: 'measured',
      sessionsPerNode: sessions,
      memoryStore,
      redisStore,
      redisCommandsPerHeartbeat: perHeartbeat,
      redisScriptCallsPerHeartbeat: scriptsPerHeartbeat,
      redisCpuPercent: redisCpu,
      redisCommandsPerSecond: perSecond,
      redisTopCommands: top,
      crossNode: cross,
      crossNodePeers: peers,
    };
  } finally {
    redis.disconnect();
    await redisProcess.stop();
  }
}
