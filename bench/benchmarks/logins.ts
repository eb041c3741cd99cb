/**
 * 2. Login rate: connect, log in (token checked, session created), be
 * welcomed, drop; as many as possible with a fixed number in flight, for a
 * few seconds against each server. A bare `ws` server's connection and
 * first reply is the limit.
 */
import { loadavg } from 'node:os';
import { type BenchContext } from '../harness/context.js';
import { startGenerators, startServerChild, stopGenerators, stopServerChild } from '../harness/fleet.js';
import type { ServerKind } from '../harness/ipc.js';
import { CpuWindow } from '../harness/proc.js';
import { round, summarize } from '../harness/stats.js';
import { DEFAULT_HEARTBEAT_MS } from './sessions.js';

export interface LoginRun {
  server: ServerKind;
  concurrency: number;
  seconds: number;
  logins: number;
  perSecond: number;
  failed: number;
  firstFailure: string | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  serverCpuPercent: number | null;
  /**
   * The server's CPU time per login, µs (user and kernel): what a login costs
   * the server whatever share of its core it got, the figure to compare on a
   * shared machine.
   */
  serverCpuMicrosPerLogin: number | null;
  /** Near 100 %: the generator, not the server, set the pace. */
  generatorCpuPercent: number | null;
  /** Share of the server's CPU time spent in the kernel (0–1): sockets, syscalls. */
  serverKernelShare: number | null;
  /** CPU used by everything else meanwhile (% of one core). */
  othersCpuPercent: number | null;
  loadAverage: number | null;
}

export interface LoginsResult {
  /** Every run, servers interleaved round by round. */
  runs: LoginRun[];
  /** Per server, the run with the median rate (runs disturbed by other work on the machine fall to the sides). */
  median: LoginRun[];
  /**
   * rx-rtm's median rate as a share of the others'; `perCpuSecond`: the same
   * for logins per second of server CPU time (medians of the runs' CPU per login).
   */
  ratios: Array<{ against: ServerKind; rate: number | null; perCpuSecond: number | null }>;
}

async function runOne(ctx: BenchContext, kind: ServerKind): Promise<LoginRun> {
  const { loginSeconds, loginConcurrency } = ctx.options;
  const label = `logins ${kind}`;
  const server = await startServerChild(ctx, kind, label);
  try {
    const [generator] = await startGenerators(ctx, server, 1, DEFAULT_HEARTBEAT_MS, 'l');
    try {
      ctx.log(`${label}: ${loginSeconds} s, ${loginConcurrency} in flight`);
      const cpu = new CpuWindow([server.child.pid, generator.pid]);
      const result = await generator.ask(
        { type: 'logins', ms: loginSeconds * 1000, concurrency: loginConcurrency },
        'logins',
        loginSeconds * 1000 + 120_000,
      );
      const [serverCpu, generatorCpu] = cpu.percent();
      const [serverSeconds] = cpu.seconds();
      const othersCpu = cpu.othersPercent();
      const [serverKernel] = cpu.kernelShare();
      const latency = summarize(result.latencies);
      const run: LoginRun = {
        server: kind,
        concurrency: loginConcurrency,
        seconds: loginSeconds,
        logins: result.count,
        perSecond: Math.round(result.count / loginSeconds),
        failed: result.failed,
        firstFailure: result.firstFailure ?? null,
        latencyP50Ms: round(latency.p50, 1),
        latencyP99Ms: round(latency.p99, 1),
        serverCpuPercent: round(serverCpu, 1),
        serverCpuMicrosPerLogin: result.count > 0 ? round((serverSeconds / result.count) * 1e6, 1) : null,
        generatorCpuPercent: round(generatorCpu, 1),
        othersCpuPercent: round(othersCpu, 1),
        serverKernelShare: round(serverKernel, 2),
        loadAverage: round(loadavg()[0], 2),
      };
      ctx.log(
        `${label}: ${run.perSecond}/s (${run.logins} in ${loginSeconds} s, ${run.failed} failed), ` +
          `p50 ${run.latencyP50Ms} ms p99 ${run.latencyP99Ms} ms, ` +
          `server CPU ${run.serverCpuPercent}% (${run.serverCpuMicrosPerLogin} µs a login), ` +
          `generator ${run.generatorCpuPercent}%`,
      );
      return run;
    } finally {
      await stopGenerators([generator]);
    }
  } finally {
    await stopServerChild(server);
  }
}

export async function runLogins(ctx: BenchContext): Promise<LoginsResult> {
  const runs: LoginRun[] = [];
  for (let round = 0; round < ctx.options.loginRepeat; round++) {
    for (const kind of ctx.options.servers) runs.push(await runOne(ctx, kind));
  }
  const median = ctx.options.servers.map((kind) => {
    const mine = runs.filter((r) => r.server === kind).sort((a, b) => a.perSecond - b.perSecond);
    return mine[Math.floor((mine.length - 1) / 2)];
  });
  const rtm = median.find((r) => r.server === 'rx-rtm');
  // NaN when no run logged anyone in: no ratio then.
  const cpuPerLogin = (kind: ServerKind) =>
    summarize(runs.filter((r) => r.server === kind).map((r) => r.serverCpuMicrosPerLogin ?? Number.NaN)).p50;
  const ratios = median
    .filter((r) => r.server !== 'rx-rtm')
    .map((r) => {
      const mine = cpuPerLogin('rx-rtm');
      const theirs = cpuPerLogin(r.server);
      return {
        against: r.server,
        rate: rtm && r.perSecond > 0 ? round(rtm.perSecond / r.perSecond, 2) : null,
        perCpuSecond: mine > 0 && theirs > 0 ? round(theirs / mine, 2) : null,
      };
    });
  return { runs, median, ratios };
}
