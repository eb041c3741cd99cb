/**
 * 7. Messages, against bare `ws` and socket.io rooms:
 *
 * - Channel fan-out: a channel of 100 and of 1 000 members, spread over
 *   generator processes; some members send stamped messages at rising
 *   rates until the server saturates. Per step: messages delivered per
 *   second and their latency, from the sender writing a message to a
 *   member receiving it, on the monotonic clock every process shares.
 * - Peer messages: every session sends one message a second to a peer in
 *   another generator; the delivery latency and the round trip of each
 *   send to its answer (`sent`).
 *
 * A rate is offered in deliveries per second: a channel of n members gets
 * rate / (n − 1) messages a second, sent by as few members as can send
 * them within rx-rtm's 180 in 3 s. A step saturates the server when less
 * than 90 % of what it offered arrives in its window; latency alone does
 * not end the rise, since on a shared machine a burst of others' work
 * delays everything for a while without the server falling behind.
 */
import { loadavg } from 'node:os';
import { sleep, type BenchContext } from '../harness/context.js';
import {
  joinChannel,
  openSessions,
  shares,
  startGenerators,
  startServerChild,
  stopGenerators,
  stopServerChild,
  type GeneratorChild,
  type StartedServer,
} from '../harness/fleet.js';
import type { FromGenerator, ServerKind, TrafficTarget } from '../harness/ipc.js';
import { CpuWindow } from '../harness/proc.js';
import { concatSamples, round, rounded, summarize } from '../harness/stats.js';
import { CHANNEL } from './fanout.js';
import { DEFAULT_HEARTBEAT_MS } from './sessions.js';

/** The goal's step: 1 000 members, 10 messages a second. */
export const GOAL_MEMBERS = 1000;
export const GOAL_MESSAGES_PER_SECOND = 10;
export const GOAL_P99_MS = 50;
/** rx-rtm's fan-out rate against bare ws's, at least. */
export const GOAL_RATE_RATIO = 0.8;
/** Each sender stays under rx-rtm's 180 messages in any 3 s (BEHAVIOUR §7). */
const PER_SENDER_PER_SECOND = 50;
/** Members are spread over this many generator processes (more when they hold more sessions than one may). */
const GENERATOR_PROCESSES = 2;
const WARMUP_MS = 1000;
/** After a step, for the queues it left to drain before the next. */
const DRAIN_MS = 2000;
/** A step saturates the server when less than this share of what was offered arrives in the window. */
const DELIVERED_SHARE = 0.9;

type Traffic = Extract<FromGenerator, { type: 'traffic' }>;

export interface TrafficStep {
  server: ServerKind;
  /** Channel members, or sessions sending to peers. */
  sessions: number;
  senders: number;
  messagesPerSecond: number;
  /** Deliveries a second the senders asked for: every message to every other member (or to its peer). */
  offeredPerSecond: number;
  deliveredPerSecond: number;
  /**
   * Deliveries per second of server CPU: what one core could deliver if the
   * server had it to itself, the figure to compare on a shared machine.
   */
  deliveredPerCpuSecond: number | null;
  sent: number;
  refused: number;
  /** From the sender writing a message to a receiver reading it, ms. */
  latency: ReturnType<typeof rounded>;
  /** From the sender writing a message to the server's answer reaching it, ms. */
  answer: ReturnType<typeof rounded>;
  serverCpuPercent: number | null;
  generatorCpuPercent: number | null;
  othersCpuPercent: number | null;
  generatorLoopDelayP99Ms: number | null;
  /** Less than 90 % of the offered deliveries arrived in the window. */
  saturated: boolean;
  loadAverage: number | null;
}

export interface ChannelRun {
  server: ServerKind;
  members: number;
  fillSeconds: number;
  steps: TrafficStep[];
  /** The most deliveries a second any step achieved. */
  maxDeliveredPerSecond: number;
  /** The most deliveries per second of server CPU any step achieved. */
  maxDeliveredPerCpuSecond: number | null;
}

export interface MessagesResult {
  channels: ChannelRun[];
  peers: TrafficStep[];
  /** Servers that could not hold the peer sessions (a login not answered in 30 s), and why. */
  peerFailures: Array<{ server: ServerKind; sessions: number; reason: string }>;
  /** rx-rtm's most deliveries a second (and per second of server CPU) against the others', per channel size. */
  ratios: Array<{ members: number; against: ServerKind; delivered: number | null; perCpuSecond: number | null }>;
  bytes: number;
  windowSeconds: number;
}

/** What every generator of a step is asked: its senders and where they send. */
interface StepPlan {
  sessions: number;
  messagesPerSecond: number;
  offeredPerSecond: number;
  /** Per generator: how many of its first sessions send, and to what. */
  senders: number[];
  targets: TrafficTarget[];
}

/** Runs one step of traffic over the generators and measures it. */
export async function trafficStep(
  ctx: BenchContext,
  servers: StartedServer[],
  generators: GeneratorChild[],
  plan: StepPlan,
): Promise<TrafficStep> {
  const { messageWindowSeconds: windowSeconds, messageBytes: bytes } = ctx.options;
  const senders = plan.senders.reduce((a, b) => a + b, 0);
  const perSecond = plan.messagesPerSecond / senders;
  const ms = windowSeconds * 1000;
  const asked = generators.map((g, i) =>
    g.ask(
      { type: 'traffic', to: plan.targets[i], senders: plan.senders[i], perSecond, bytes, warmupMs: WARMUP_MS, ms },
      'traffic',
      WARMUP_MS + ms + 120_000,
    ),
  );
  await sleep(WARMUP_MS);
  const cpu = new CpuWindow([...servers.map((s) => s.child.pid), ...generators.map((g) => g.pid)]);
  const results: Traffic[] = await Promise.all(asked);
  const percents = cpu.percent();
  const serverCpu = percents.slice(0, servers.length).reduce((a, b) => a + b, 0) / servers.length;
  const generatorCpu = percents.slice(servers.length).reduce((a, b) => a + b, 0);
  const othersCpu = cpu.othersPercent();
  const latency = summarize(concatSamples(results.map((r) => r.latencies)));
  const delivered = results.reduce((n, r) => n + r.received, 0) / windowSeconds;
  return {
    server: servers[0].kind,
    sessions: plan.sessions,
    senders,
    messagesPerSecond: round(plan.messagesPerSecond, 1) ?? 0,
    offeredPerSecond: Math.round(plan.offeredPerSecond),
    deliveredPerSecond: Math.round(delivered),
    deliveredPerCpuSecond: serverCpu > 0 ? Math.round(delivered / (serverCpu / 100)) : null,
    sent: results.reduce((n, r) => n + r.sent, 0),
    refused: results.reduce((n, r) => n + r.refused, 0),
    latency: rounded(latency),
    answer: rounded(summarize(concatSamples(results.map((r) => r.answers)))),
    serverCpuPercent: round(serverCpu, 1),
    generatorCpuPercent: round(generatorCpu, 1),
    othersCpuPercent: round(othersCpu, 1),
    generatorLoopDelayP99Ms: round(Math.max(...results.map((r) => r.loopDelayP99Ms)), 1),
    saturated: delivered < DELIVERED_SHARE * plan.offeredPerSecond,
    loadAverage: round(loadavg()[0], 2),
  };
}

function describe(step: TrafficStep): string {
  return (
    `${step.messagesPerSecond} msg/s by ${step.senders}: delivered ${step.deliveredPerSecond.toLocaleString('en')}/s ` +
    `of ${step.offeredPerSecond.toLocaleString('en')}/s, p50 ${step.latency.p50} ms p99 ${step.latency.p99} ms, ` +
    `answer p99 ${step.answer.p99} ms, refused ${step.refused}; CPU server ${step.serverCpuPercent} % ` +
    `generators ${step.generatorCpuPercent} % others ${step.othersCpuPercent} %` +
    (step.saturated ? ' (saturated)' : '')
  );
}

/** Starts generators for `sessions` spread over at least two processes, and logs the sessions in. */
export async function openFleet(
  ctx: BenchContext,
  server: StartedServer,
  sessions: number,
  prefix: string,
  label: string,
): Promise<GeneratorChild[]> {
  const generators = await startGenerators(ctx, server, sessions, DEFAULT_HEARTBEAT_MS, prefix, GENERATOR_PROCESSES);
  const opened = await openSessions(ctx, generators, sessions, label);
  if (opened.failed > 0) {
    await stopGenerators(generators);
    throw new Error(`${label}: ${opened.failed} sessions failed to log in (${opened.firstFailure})`);
  }
  return generators;
}

async function channelRun(ctx: BenchContext, kind: ServerKind, members: number): Promise<ChannelRun> {
  const label = `messages ${kind} channel of ${members}`;
  const server = await startServerChild(ctx, kind, label, { heartbeatMs: DEFAULT_HEARTBEAT_MS });
  try {
    const generators = await openFleet(ctx, server, members, 'm', label);
    try {
      const { seconds: fillSeconds } = await joinChannel(ctx, generators, CHANNEL, label);
      ctx.log(`${label}: channel filled in ${fillSeconds.toFixed(1)} s`);
      await sleep(DRAIN_MS);
      const steps: TrafficStep[] = [];
      for (const offered of ctx.options.messageRates) {
        const messagesPerSecond = offered / (members - 1);
        const senders = shares(Math.ceil(messagesPerSecond / PER_SENDER_PER_SECOND), generators.length);
        const step = await trafficStep(ctx, [server], generators, {
          sessions: members,
          messagesPerSecond,
          offeredPerSecond: offered,
          senders,
          targets: generators.map(() => ({ channel: CHANNEL })),
        });
        ctx.log(`${label}: ${describe(step)}`);
        steps.push(step);
        if (step.saturated) break;
        await sleep(DRAIN_MS);
      }
      return {
        server: kind,
        members,
        fillSeconds: round(fillSeconds, 1) ?? 0,
        steps,
        maxDeliveredPerSecond: Math.max(...steps.map((s) => s.deliveredPerSecond)),
        maxDeliveredPerCpuSecond: Math.max(...steps.map((s) => s.deliveredPerCpuSecond ?? 0)) || null,
      };
    } finally {
      await stopGenerators(generators);
    }
  } finally {
    await stopServerChild(server);
  }
}

/**
 * Peer traffic between two fleets: each session of `from` sends `perSecond`
 * messages a second to its twin (the session of the same index) in `to`,
 * and each of `to` to its twin in `from`.
 */
export function peerPlan(sessions: number, fleets: Array<{ size: number; prefixes: string[] }>): StepPlan {
  const [a, b] = fleets;
  const targets = [...a.prefixes.map((_, i) => b.prefixes[i]), ...b.prefixes.map((_, i) => a.prefixes[i])];
  return {
    sessions,
    messagesPerSecond: sessions,
    offeredPerSecond: sessions,
    senders: [...a.prefixes, ...b.prefixes].map(() => a.size / a.prefixes.length),
    targets: targets.map((peerPrefix) => ({ peerPrefix })),
  };
}

async function peerRun(ctx: BenchContext, kind: ServerKind, wanted: number): Promise<TrafficStep> {
  // Two fleets of equal generators, so every session has a twin with the same index.
  const half =
    Math.max(1, Math.floor(Math.min(wanted, ctx.maxSessionsPerProcess) / 2 / GENERATOR_PROCESSES)) *
    GENERATOR_PROCESSES;
  const label = `messages ${kind} peers ${half * 2}`;
  const server = await startServerChild(ctx, kind, label, { heartbeatMs: DEFAULT_HEARTBEAT_MS });
  try {
    const a = await openFleet(ctx, server, half, 'pa', `${label} (first half)`);
    const b = await openFleet(ctx, server, half, 'pb', `${label} (second half)`).catch(async (error: unknown) => {
      await stopGenerators(a);
      throw error;
    });
    try {
      // Twins need the same index in generators of the same size.
      if (a.length !== b.length || half % a.length !== 0) throw new Error(`${label}: uneven fleets`);
      await sleep(DRAIN_MS);
      const prefixes = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}-`);
      const step = await trafficStep(
        ctx,
        [server],
        [...a, ...b],
        peerPlan(half * 2, [
          { size: half, prefixes: prefixes('pa', a.length) },
          { size: half, prefixes: prefixes('pb', b.length) },
        ]),
      );
      ctx.log(`${label}: ${describe(step)}`);
      return step;
    } finally {
      await stopGenerators([...a, ...b]);
    }
  } finally {
    await stopServerChild(server);
  }
}

export async function runMessages(ctx: BenchContext): Promise<MessagesResult> {
  const channels: ChannelRun[] = [];
  for (const members of ctx.options.messageChannels)
    for (const kind of ctx.options.servers) channels.push(await channelRun(ctx, kind, members));
  const peers: TrafficStep[] = [];
  const peerFailures: MessagesResult['peerFailures'] = [];
  for (const kind of ctx.options.servers) {
    // A server this machine cannot load with that many sessions is a figure too, not the end of the run.
    try {
      peers.push(await peerRun(ctx, kind, ctx.options.peerSessions));
    } catch (error) {
      const reason = (error as Error).message;
      ctx.log(`messages ${kind} peers: not measured (${reason})`);
      peerFailures.push({ server: kind, sessions: ctx.options.peerSessions, reason });
    }
  }
  const ratios: MessagesResult['ratios'] = [];
  for (const run of channels.filter((r) => r.server === 'rx-rtm'))
    for (const other of channels.filter((r) => r.members === run.members && r.server !== 'rx-rtm'))
      ratios.push({
        members: run.members,
        against: other.server,
        delivered: round(run.maxDeliveredPerSecond / other.maxDeliveredPerSecond, 2),
        perCpuSecond: round((run.maxDeliveredPerCpuSecond ?? NaN) / (other.maxDeliveredPerCpuSecond ?? NaN), 2),
      });
  return {
    channels,
    peers,
    peerFailures,
    ratios,
    bytes: ctx.options.messageBytes,
    windowSeconds: ctx.options.messageWindowSeconds,
  };
}
