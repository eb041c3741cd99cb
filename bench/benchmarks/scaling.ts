/**
 * The unit costs behind docs/SCALING.md, measured per rx-rtm node and per
 * Redis shard (one redis-server primary), as CPU seconds per operation, not
 * only as rates, so they hold on a machine others load too: a node's CPU
 * from /proc/<pid>/stat, redis-server's from `INFO cpu`, each less what the
 * same processes used idle just before (same sessions, no traffic). Per
 * trial (`--scaling-trials`, the spread is reported):
 *
 * - sessions: one Redis-backed node at each of `--scaling-sessions`; the line
 *   through (sessions, CPU) gives the cost per held session (heartbeat,
 *   presence refresh and sweep) and of an idle node, on the node and Redis;
 *   memory per session on both;
 * - logins: connect, log in, be welcomed, drop, for `--login-seconds`: CPU
 *   per login on the node and Redis, and the stream entries each writes;
 * - peer messages between two nodes, then again with a third node holding
 *   nothing (an observer: what reading an entry costs a node that delivers
 *   it to nobody; the difference on Redis is one node's read of an entry);
 * - channel messages on two nodes (and the observer), channels of 100 and
 *   1 000 members at the same deliveries a second: the cost per delivery
 *   and per message.
 *
 * Without a redis-server binary it reports `not measured`.
 */
import { Redis } from 'ioredis';
import { redisAvailable, RedisProcess } from '../../spec/support/redis-process.js';
import { BENCH_APP, sleep, type BenchContext } from '../harness/context.js';
import { joinChannel, shares, startServerChild, stopGenerators, stopServerChild } from '../harness/fleet.js';
import { startGenerators, type GeneratorChild, type StartedServer } from '../harness/fleet.js';
import { cpuSeconds } from '../harness/proc.js';
import { round } from '../harness/stats.js';
import { scalingFromTrials, unitCosts, type Measured, type ScalingTrial } from '../harness/scaling-costs.js';
import type { Capacity, Plan, Spread, UnitCosts } from '../harness/scaling-model.js';
import { CHANNEL } from './fanout.js';
import { openFleet, peerPlan, trafficStep } from './messages.js';
import { DEFAULT_HEARTBEAT_MS, runStep } from './sessions.js';

/** Idle window before each measured step: what the same processes use with no traffic. */
const IDLE_MS = 5000;
/** Channel sizes whose difference separates a delivery's cost from a message's. */
const CHANNEL_SIZES = [100, 1000] as const;
/** Traffic before each measured step, unmeasured: the code it runs is compiled by then. */
const WARM_SECONDS = 3;
/** Under rx-rtm's 180 messages in 3 s per sender. */
const PER_SENDER_PER_SECOND = 50;

export type ScalingResult =
  | { status: 'not measured'; reason: string }
  | {
      status: 'measured';
      trials: ScalingTrial[];
      /** The median over the trials of each unit cost. */
      costs: UnitCosts;
      spread: Record<string, Spread>;
      /** The mixes at a million users of one app on one deployment. */
      plans: Plan[];
      /** The most users one deployment carries at each mix, and how many a million users need. */
      capacities: Capacity[];
    };

const parseInfo = (text: string) =>
  new Map(text.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)] as const));

/** What redis-server reports of itself: CPU seconds so far, memory used, entries ever added to the app's stream. */
async function redisReading(redis: Redis): Promise<{ cpu: number; memory: number; entries: number }> {
  const info = parseInfo(await redis.info());
  let entries = 0;
  try {
    const stream = (await redis.call('XINFO', 'STREAM', `rtm:{${BENCH_APP}}:events`)) as Array<string | number>;
    entries = Number(stream[stream.indexOf('entries-added') + 1]);
  } catch {
    // no stream yet
  }
  return {
    cpu: Number(info.get('used_cpu_user')) + Number(info.get('used_cpu_sys')),
    memory: Number(info.get('used_memory')),
    entries,
  };
}

/** CPU (cores) the processes use over `work`, less what they used idle for IDLE_MS just before. */
async function marginal<T>(
  redis: Redis,
  pids: number[],
  work: () => Promise<T>,
): Promise<{ result: T; seconds: number; cpu: number[]; redisCpu: number; entries: number }> {
  const read = async () => ({ at: performance.now(), cpu: pids.map(cpuSeconds), redis: await redisReading(redis) });
  const idle0 = await read();
  await sleep(IDLE_MS);
  const idle1 = await read();
  const result = await work();
  const end = await read();
  const idleSeconds = (idle1.at - idle0.at) / 1000;
  const seconds = (end.at - idle1.at) / 1000;
  const rate = (a: number, b: number, s: number) => (b - a) / s;
  return {
    result,
    seconds,
    cpu: pids.map((_, i) => rate(idle1.cpu[i], end.cpu[i], seconds) - rate(idle0.cpu[i], idle1.cpu[i], idleSeconds)),
    redisCpu: rate(idle1.redis.cpu, end.redis.cpu, seconds) - rate(idle0.redis.cpu, idle1.redis.cpu, idleSeconds),
    entries: end.redis.entries - idle1.redis.entries,
  };
}

async function measureTraffic(
  ctx: BenchContext,
  redis: Redis,
  nodes: StartedServer[],
  observer: StartedServer | undefined,
  generators: GeneratorChild[],
  stepPlan: Parameters<typeof trafficStep>[3],
): Promise<Measured> {
  const pids = [...nodes, ...(observer ? [observer] : [])].map((n) => n.child.pid);
  // The same traffic unmeasured first, so no process's first calls of this path (compiling it) are counted.
  const warm = { ...ctx, options: { ...ctx.options, messageWindowSeconds: WARM_SECONDS } };
  await trafficStep(warm, nodes, generators, stepPlan);
  const m = await marginal(redis, pids, () => trafficStep(ctx, nodes, generators, stepPlan));
  // Counted as delivered, not as sent: on a loaded machine the nodes may fall behind the senders.
  const delivered = m.result.deliveredPerSecond / (stepPlan.offeredPerSecond / stepPlan.messagesPerSecond);
  return {
    step: m.result,
    messagesPerSecond: round(delivered, 2) ?? 0,
    keptUp: !m.result.saturated,
    nodeCpu: m.cpu.slice(0, nodes.length),
    observerCpu: observer ? m.cpu[nodes.length] : null,
    redisCpu: m.redisCpu,
    entriesPerMessage: m.entries / (delivered * m.seconds),
  };
}

async function sessionSteps(ctx: BenchContext, redis: Redis, url: string): Promise<ScalingTrial['sessions']> {
  const out: ScalingTrial['sessions'] = [];
  for (const sessions of ctx.options.scalingSessions) {
    await redis.flushall();
    const memoryBefore = (await redisReading(redis)).memory;
    let window = { at: 0, cpu: 0 };
    let redisCpu: number | null = null;
    let redisBytes: number | null = null;
    const step = await runStep(
      ctx,
      'rx-rtm',
      { sessions, heartbeatMs: DEFAULT_HEARTBEAT_MS, note: `${sessions}` },
      {
        label: `scaling sessions ${sessions}`,
        server: { store: 'redis', redisUrl: url },
        beforeWindow: async () => {
          const r = await redisReading(redis);
          window = { at: performance.now(), cpu: r.cpu };
          redisBytes = (r.memory - memoryBefore) / sessions;
        },
        afterWindow: async () => {
          redisCpu = ((await redisReading(redis)).cpu - window.cpu) / ((performance.now() - window.at) / 1000);
        },
      },
    );
    out.push({
      sessions,
      held: step.held,
      lost: step.lost,
      nodeCpu: step.serverCpuPercent === null ? null : step.serverCpuPercent / 100,
      redisCpu,
      rssPerSessionKiB: step.rssPerSessionKiB,
      redisBytesPerSession: redisBytes,
    });
  }
  return out;
}

async function loginStep(ctx: BenchContext, redis: Redis, url: string): Promise<ScalingTrial['logins']> {
  await redis.flushall();
  const node = await startServerChild(ctx, 'rx-rtm', 'scaling logins', { store: 'redis', redisUrl: url });
  try {
    const [generator] = await startGenerators(ctx, node, 1, DEFAULT_HEARTBEAT_MS, 'l');
    try {
      const { loginSeconds, loginConcurrency } = ctx.options;
      // Unmeasured logins first, as for traffic: a fresh node's first logins compile the path.
      await generator.ask(
        { type: 'logins', ms: WARM_SECONDS * 1000, concurrency: loginConcurrency },
        'logins',
        120_000,
      );
      const m = await marginal(redis, [node.child.pid], () =>
        generator.ask(
          { type: 'logins', ms: loginSeconds * 1000, concurrency: loginConcurrency },
          'logins',
          loginSeconds * 1000 + 120_000,
        ),
      );
      const count = m.result.count;
      return {
        count,
        failed: m.result.failed,
        perSecond: Math.round(count / loginSeconds),
        nodeCpu: (m.cpu[0] * m.seconds) / count,
        redisCpu: (m.redisCpu * m.seconds) / count,
        entries: m.entries / count,
      };
    } finally {
      await stopGenerators([generator]);
    }
  } finally {
    await stopServerChild(node);
  }
}

/** Cores as percentages for a progress line. */
const percents = (cores: number[]) => cores.map((c) => (c * 100).toFixed(2)).join(' + ');
const prefixes = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}-`);

/** Peer messages A ⇄ B, without a third node, then with one that holds nothing (started in between). */
async function peerSteps(
  ctx: BenchContext,
  redis: Redis,
  nodes: StartedServer[],
  startObserver: () => Promise<StartedServer>,
) {
  const [a, b] = nodes;
  const half = Math.max(2, Math.floor(ctx.options.scalingPeers / 4) * 2);
  const fleetA = await openFleet(ctx, a, half, 'pa', 'scaling peers on A');
  const fleetB = await openFleet(ctx, b, half, 'pb', 'scaling peers on B');
  try {
    const stepPlan = peerPlan(half * 2, [
      { size: half, prefixes: prefixes('pa', fleetA.length) },
      { size: half, prefixes: prefixes('pb', fleetB.length) },
    ]);
    const generators = [...fleetA, ...fleetB];
    const withoutObserver = await measureTraffic(ctx, redis, nodes, undefined, generators, stepPlan);
    const withObserver = await measureTraffic(ctx, redis, nodes, await startObserver(), generators, stepPlan);
    ctx.log(
      `scaling peers: ${withoutObserver.messagesPerSecond} msg/s, p99 ${withoutObserver.step.latency.p99} ms; ` +
        `nodes ${percents(withoutObserver.nodeCpu)} %, redis ${percents([withoutObserver.redisCpu])} % ` +
        `(${percents([withObserver.redisCpu])} % with the observer, ` +
        `at ${percents([withObserver.observerCpu ?? NaN])} %)`,
    );
    return { withObserver, withoutObserver };
  } finally {
    await stopGenerators([...fleetA, ...fleetB]);
  }
}

async function channelStep(
  ctx: BenchContext,
  redis: Redis,
  nodes: StartedServer[],
  observer: StartedServer,
  members: number,
) {
  const label = `scaling channel of ${members}`;
  const [a, b] = nodes;
  const fleets = [
    await openFleet(ctx, a, members / 2, `c${members}a`, `${label} on A`),
    await openFleet(ctx, b, members / 2, `c${members}b`, `${label} on B`),
  ];
  const generators = fleets.flat();
  try {
    const channel = `${CHANNEL}-${members}`;
    await joinChannel(ctx, generators, channel, label);
    await sleep(2000);
    const messagesPerSecond = ctx.options.scalingDeliveries / (members - 1);
    const step = await measureTraffic(ctx, redis, nodes, observer, generators, {
      sessions: members,
      messagesPerSecond,
      offeredPerSecond: ctx.options.scalingDeliveries,
      senders: shares(Math.ceil(messagesPerSecond / PER_SENDER_PER_SECOND), generators.length),
      targets: generators.map(() => ({ channel })),
    });
    ctx.log(
      `${label}: ${step.messagesPerSecond} msg/s, delivered ${step.step.deliveredPerSecond}/s, ` +
        `nodes ${percents(step.nodeCpu)} %, redis ${percents([step.redisCpu])} %`,
    );
    return step;
  } finally {
    await stopGenerators(generators);
  }
}

async function trial(ctx: BenchContext, redis: Redis, url: string, n: number): Promise<ScalingTrial> {
  ctx.log(`scaling: trial ${n}: sessions`);
  const sessions = await sessionSteps(ctx, redis, url);
  ctx.log(`scaling: trial ${n}: logins`);
  const logins = await loginStep(ctx, redis, url);
  await redis.flushall();
  const started: StartedServer[] = [];
  const node = async (name: string) => {
    started.push(await startServerChild(ctx, 'rx-rtm', `scaling ${name}`, { store: 'redis', redisUrl: url }));
    return started[started.length - 1];
  };
  try {
    const nodes = [await node('node A'), await node('node B')];
    ctx.log(`scaling: trial ${n}: peer messages`);
    const peers = await peerSteps(ctx, redis, nodes, () => node('observer'));
    const channels: Measured[] = [];
    for (const members of CHANNEL_SIZES) channels.push(await channelStep(ctx, redis, nodes, started[2], members));
    const measured = { sessions, logins, peers, channels };
    return { ...measured, costs: unitCosts(measured) };
  } finally {
    for (const server of started) await stopServerChild(server);
  }
}

export async function runScaling(ctx: BenchContext): Promise<ScalingResult> {
  if (!redisAvailable()) {
    const reason = 'no redis-server binary here (RTM_TEST_REDIS_SERVER names another)';
    ctx.log(`scaling: not measured (${reason})`);
    return { status: 'not measured', reason };
  }
  const redisProcess = await RedisProcess.start();
  const redis = new Redis(redisProcess.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const trials: ScalingTrial[] = [];
    for (let n = 1; n <= ctx.options.scalingTrials; n++) trials.push(await trial(ctx, redis, redisProcess.url, n));
    return { status: 'measured', trials, ...scalingFromTrials(trials) };
  } finally {
    redis.disconnect();
    await redisProcess.stop();
  }
}
