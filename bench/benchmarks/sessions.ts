/**
 * 1. Sessions held: N logged-in sessions heartbeating at the client's
 * default rate, against rx-rtm, a bare `ws` server and socket.io. For each
 * N: the server's memory per session, its CPU, heartbeat round trips and
 * sessions lost.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { sleep, type BenchContext } from '../harness/context.js';
import { openSessions, startGenerators, startServerChild, stopGenerators, stopServerChild } from '../harness/fleet.js';
import type { FromGenerator, ServerChildConfig, ServerKind } from '../harness/ipc.js';
import { CpuWindow } from '../harness/proc.js';
import { concatSamples, round, summarize } from '../harness/stats.js';

/** The client's default heartbeat interval (lib/client/options.ts). */
export const DEFAULT_HEARTBEAT_MS = 1000;
/** The goal: this many sessions on one server process. */
export const GOAL_SESSIONS = 50_000;

export interface SessionStep {
  server: ServerKind;
  /** Sessions asked for. */
  sessions: number;
  heartbeatMs: number;
  /** Pings per second all sessions send together. */
  pingsPerSecond: number;
  /** What this step stands for (a plain size, the open-files limit, the goal's ping rate). */
  note: string;
  held: number;
  /** Sessions that failed to open, plus those closed unexpectedly once open. */
  lost: number;
  lostReasons: Record<string, number>;
  rampSeconds: number;
  serverSessions: number;
  rssBaselineMiB: number | null;
  rssMiB: number | null;
  rssPerSessionKiB: number | null;
  heapPerSessionKiB: number | null;
  serverCpuPercent: number | null;
  generatorCpuPercent: number | null;
  /** Share of the server's CPU time spent in the kernel (0–1): sockets, syscalls. */
  serverKernelShare: number | null;
  /** CPU used by everything else meanwhile (% of one core): other work on the machine, kernel networking. */
  othersCpuPercent: number | null;
  /** The generators' own event-loop delay p99 (the worst of them), ms: round trips include it. */
  generatorLoopDelayP99Ms: number | null;
  /** The longest a generator's event loop was blocked, ms. */
  generatorLoopDelayMaxMs: number | null;
  rttP50Ms: number | null;
  rttP99Ms: number | null;
  /** The median of the three thirds' p99: robust to one burst of other work on the machine. */
  rttP99MedianOfThirdsMs: number | null;
  rttMaxMs: number | null;
  rttSamples: number;
  /** Pings sent in the window that got no pong within it. */
  unanswered: number;
  serverLoopDelayP99Ms: number | null;
  /** The longest the server's event loop was blocked in the window, ms. */
  serverLoopDelayMaxMs: number | null;
  /** 1-minute load average at the end of the window (other work on the machine shows here). */
  loadAverage: number | null;
  /** Share of the window the server's event loop was busy (0–1). */
  serverLoopUtilization: number | null;
}

export interface SkippedStep {
  sessions: number;
  reason: string;
}

export interface SessionsResult {
  steps: SessionStep[];
  skipped: SkippedStep[];
  /** rx-rtm against the others at the same step. */
  ratios: Array<{
    sessions: number;
    heartbeatMs: number;
    against: ServerKind;
    rssPerSession: number | null;
    cpu: number | null;
    rttP99: number | null;
  }>;
  socketIoDialect: string;
  openFilesNote: string;
}

const MiB = 2 ** 20;
const WINDOW_PARTS = 3;
type Measured = Extract<FromGenerator, { type: 'measured' }>;

export interface Plan {
  sessions: number;
  heartbeatMs: number;
  note: string;
}

/** For other benchmarks reusing a step (the cluster's): the server's store, and work around the window. */
export interface StepOptions {
  server?: Partial<ServerChildConfig>;
  label?: string;
  /** Called just before the measurement window opens. */
  beforeWindow?: () => Promise<void>;
  /** Called just after it closes, with the pings sent in it. */
  afterWindow?: (pings: number) => Promise<void>;
}

/** Sizes to run, capped by what one process can hold; past the cap, the goal's ping rate at the cap. */
export function planSteps(ctx: BenchContext): { plans: Plan[]; skipped: SkippedStep[] } {
  const cap = ctx.maxSessionsPerProcess;
  const plans: Plan[] = [];
  const skipped: SkippedStep[] = [];
  let capped = false;
  for (const n of [...new Set(ctx.options.sizes)].sort((a, b) => a - b)) {
    if (n <= cap) {
      plans.push({ sessions: n, heartbeatMs: DEFAULT_HEARTBEAT_MS, note: `${n}` });
      continue;
    }
    skipped.push({
      sessions: n,
      reason:
        `a server process may open at most ${cap + 100} files here ` +
        '(hard limit; raising it needs CAP_SYS_RESOURCE), and each session is one socket',
    });
    if (!capped && !plans.some((p) => p.sessions === cap))
      plans.push({ sessions: cap, heartbeatMs: DEFAULT_HEARTBEAT_MS, note: `${cap} (the open-files limit)` });
    capped = true;
  }
  if (capped && ctx.options.sizes.some((n) => n >= GOAL_SESSIONS)) {
    // The goal's heartbeat load at the sessions we can hold: the same pings per second as 50 000 sessions.
    const heartbeatMs = Math.round((DEFAULT_HEARTBEAT_MS * cap) / GOAL_SESSIONS);
    plans.push({
      sessions: cap,
      heartbeatMs,
      note: `${cap} pinging every ${heartbeatMs} ms = the ping rate of ${GOAL_SESSIONS}`,
    });
  }
  return { plans, skipped };
}

export async function runStep(
  ctx: BenchContext,
  kind: ServerKind,
  plan: Plan,
  hooks: StepOptions = {},
): Promise<SessionStep> {
  const { options } = ctx;
  const label = hooks.label ?? `sessions ${kind} ${plan.sessions}@${plan.heartbeatMs}ms`;
  const server = await startServerChild(ctx, kind, label, { heartbeatMs: plan.heartbeatMs, ...hooks.server });
  try {
    await sleep(500);
    const baseline = await server.child.ask({ type: 'stats', gc: true }, 'stats');
    const generators = await startGenerators(ctx, server, plan.sessions, plan.heartbeatMs);
    try {
      const ramp = await openSessions(ctx, generators, plan.sessions, label);
      ctx.log(
        `${label}: ${ramp.open} open in ${ramp.seconds.toFixed(1)} s` +
          (ramp.failed ? `, ${ramp.failed} failed (${ramp.firstFailure})` : '') +
          `; settling ${options.settleSeconds} s`,
      );
      await sleep(options.settleSeconds * 1000);
      const settled = await server.child.ask({ type: 'stats', gc: true }, 'stats', 120_000);
      if (options.heapSnapshot) {
        const dir = join(options.outDir, 'heap');
        mkdirSync(dir, { recursive: true });
        const { path } = await server.child.ask(
          { type: 'heap-snapshot', path: join(dir, `${label.replace(/[^\w.-]+/g, '_')}.heapsnapshot`) },
          'heap-snapshot',
          300_000,
        );
        ctx.log(`${label}: heap snapshot ${path}`);
      }
      // Let the collection's pause pass out of the window, and start the loop-delay histogram afresh.
      await sleep(1000);
      await server.child.ask({ type: 'stats', gc: false }, 'stats');
      ctx.log(`${label}: measuring ${options.windowSeconds} s`);
      await hooks.beforeWindow?.();
      const cpu = new CpuWindow([server.child.pid, ...generators.map((g) => g.pid)]);
      // Thirds of the window, so one burst of other work on the machine shows as one bad third, not as the p99.
      const parts: Measured[][] = [];
      for (let i = 0; i < WINDOW_PARTS; i++) {
        parts.push(
          await Promise.all(
            generators.map((g) =>
              g.ask({ type: 'measure', ms: (options.windowSeconds * 1000) / WINDOW_PARTS }, 'measured'),
            ),
          ),
        );
      }
      const [serverCpu, ...generatorCpu] = cpu.percent();
      const othersCpu = cpu.othersPercent();
      const [serverKernel] = cpu.kernelShare();
      const after = await server.child.ask({ type: 'stats', gc: false }, 'stats');
      const measured = parts.flat();
      await hooks.afterWindow?.(measured.reduce((n, m) => n + m.pings, 0));
      const partP99 = parts.map((part) => summarize(concatSamples(part.map((m) => m.rtt))).p99);
      const last = parts[parts.length - 1];
      const rtt = summarize(concatSamples(measured.map((m) => m.rtt)));
      const lostReasons: Record<string, number> = {};
      for (const m of last)
        for (const [why, n] of Object.entries(m.lostReasons)) lostReasons[why] = (lostReasons[why] ?? 0) + n;
      if (ramp.failed) lostReasons[`failed to open: ${ramp.firstFailure}`] = ramp.failed;
      const held = last.reduce((n, m) => n + m.held, 0);
      const lost = last.reduce((n, m) => n + m.lost + m.failed, 0);
      const pings = measured.reduce((n, m) => n + m.pings, 0);
      const pongs = measured.reduce((n, m) => n + m.pongs, 0);
      const perSession = (bytes: number) => (ramp.open > 0 ? round(bytes / ramp.open / 1024, 2) : null);
      const step: SessionStep = {
        server: kind,
        sessions: plan.sessions,
        heartbeatMs: plan.heartbeatMs,
        pingsPerSecond: Math.round((plan.sessions * 1000) / plan.heartbeatMs),
        note: plan.note,
        held,
        lost,
        lostReasons,
        rampSeconds: round(ramp.seconds, 1) ?? 0,
        serverSessions: settled.sessions,
        rssBaselineMiB: round(baseline.memory.rss / MiB, 1),
        rssMiB: round(settled.memory.rss / MiB, 1),
        rssPerSessionKiB: perSession(settled.memory.rss - baseline.memory.rss),
        heapPerSessionKiB: perSession(settled.memory.heapUsed - baseline.memory.heapUsed),
        serverCpuPercent: round(serverCpu, 1),
        generatorCpuPercent: round(
          generatorCpu.reduce((a, b) => a + b, 0),
          1,
        ),
        othersCpuPercent: round(othersCpu, 1),
        serverKernelShare: round(serverKernel, 2),
        generatorLoopDelayP99Ms: round(Math.max(...measured.map((m) => m.loopDelayP99Ms)), 1),
        generatorLoopDelayMaxMs: round(Math.max(...measured.map((m) => m.loopDelayMaxMs)), 1),
        rttP50Ms: round(rtt.p50, 2),
        rttP99Ms: round(rtt.p99, 2),
        rttP99MedianOfThirdsMs: round(summarize(partP99).p50, 2),
        rttMaxMs: round(rtt.max, 1),
        rttSamples: rtt.count,
        unanswered: Math.max(0, pings - pongs),
        serverLoopDelayP99Ms: round(after.loopDelayP99Ms, 1),
        serverLoopDelayMaxMs: round(after.loopDelayMaxMs, 1),
        serverLoopUtilization: round(after.loopUtilization, 3),
        loadAverage: round(loadavg()[0], 2),
      };
      ctx.log(
        `${label}: held ${held}, lost ${lost}, RSS ${step.rssPerSessionKiB} KiB/session, ` +
          `CPU ${step.serverCpuPercent}% (generators ${step.generatorCpuPercent}%), ` +
          `RTT p50 ${step.rttP50Ms} ms p99 ${step.rttP99Ms} ms`,
      );
      return step;
    } finally {
      await stopGenerators(generators);
    }
  } finally {
    await stopServerChild(server);
  }
}

const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round(a / b, 2));

export async function runSessions(ctx: BenchContext): Promise<SessionsResult> {
  const { plans, skipped } = planSteps(ctx);
  for (const s of skipped) ctx.log(`sessions: ${s.sessions} skipped: ${s.reason}`);
  const steps: SessionStep[] = [];
  // Servers interleaved at each size, so each sees the machine in about the same state.
  for (const plan of plans) for (const kind of ctx.options.servers) steps.push(await runStep(ctx, kind, plan));
  const ratios: SessionsResult['ratios'] = [];
  for (const step of steps) {
    if (step.server !== 'rx-rtm') continue;
    for (const other of steps) {
      if (other.server === 'rx-rtm' || other.sessions !== step.sessions || other.heartbeatMs !== step.heartbeatMs)
        continue;
      ratios.push({
        sessions: step.sessions,
        heartbeatMs: step.heartbeatMs,
        against: other.server,
        rssPerSession: ratio(step.rssPerSessionKiB, other.rssPerSessionKiB),
        cpu: ratio(step.serverCpuPercent, other.serverCpuPercent),
        rttP99: ratio(step.rttP99Ms, other.rttP99Ms),
      });
    }
  }
  return {
    steps,
    skipped,
    ratios,
    socketIoDialect:
      'engine.io v4 over raw ws (/socket.io/?EIO=4&transport=websocket), ' +
      'as socket.io-client with transports [websocket] speaks it; ' +
      'login = CONNECT with {uid, token} as auth, checked by a middleware; ' +
      "heartbeat = engine.io's own ping, its interval set to the step's heartbeat",
    openFilesNote: `one process may hold ${ctx.maxSessionsPerProcess} sessions here (open-files hard limit less 100)`,
  };
}
