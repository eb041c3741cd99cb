/**
 * 4. Timing accuracy: a real client at its defaults, through the fault
 * proxy (spec/support/fault-proxy.ts), its link cut silently
 * (`blackhole()`: no FIN, no RST, no bytes, as a dead route or a sleeping
 * NAT does). Measured: from the cut to RECONNECTING (BEHAVIOUR §3: 4 s, never
 * earlier), and from the link's return (`pass()`) to CONNECTED. The same
 * for socket.io-client at its defaults: cut to its `disconnect` (ping
 * timeout), return to `connect`. And rx-rtm with a 400 ms heartbeat, the
 * precision bought with 2.5 times the pings.
 *
 * Trials run several at once, each with its own proxy and client; the link
 * is cut at a random moment of the heartbeat cycle, and restored a random
 * 0.5–5 s after the client noticed.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Server as SocketIoServer } from 'socket.io';
import { io as socketIoClient, type Socket as SocketIoSocket } from 'socket.io-client';
import { createClient } from '../../lib/node.js';
import { createToken, startServer, type RtmServer } from '../../lib/server/index.js';
import { startFaultProxy } from '../../spec/support/fault-proxy.js';
import { StateRecorder } from '../../spec/support/state-recorder.js';
import { BENCH_APP, BENCH_SECRET, sleep, type BenchContext } from '../harness/context.js';
import type { TimingClient } from '../harness/options.js';
import { round, rounded, summarize } from '../harness/stats.js';

/** BEHAVIOUR §3 and the goal: RECONNECTING this long after the link went dark, at the earliest and at the latest. */
export const INTERRUPTION_GOAL_MS = { earliest: 4000, latest: 4500 } as const;

export interface TimingTrial {
  /** Cut to the client noticing (RECONNECTING, or socket.io's `disconnect`), ms. */
  downMs: number | null;
  /** Link back to connected again, ms. */
  upMs: number | null;
  /** What socket.io gave as the disconnect reason; rx-rtm's reason. */
  reason: string;
  error?: string;
}

export interface TimingRun {
  client: TimingClient;
  heartbeatMs: number;
  trials: number;
  failed: number;
  down: ReturnType<typeof rounded>;
  up: ReturnType<typeof rounded>;
  /** Trials whose RECONNECTING came within [4.0 s, 4.5 s] of the cut (rx-rtm only). */
  withinGoal: number | null;
  /** Trials that announced RECONNECTING before 4 s (must be 0: BEHAVIOUR §3). */
  early: number | null;
  reasons: Record<string, number>;
  parallel: number;
  samples: TimingTrial[];
}

export interface TimingResult {
  runs: TimingRun[];
}

const random = (min: number, max: number) => min + Math.random() * (max - min);

async function waitFor(check: () => number | undefined, timeoutMs: number, what: string): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const at = check();
    if (at !== undefined) return at;
    if (performance.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await sleep(5);
  }
}

let nextUid = 0;

async function rtmTrial(server: RtmServer, heartbeatIntervalMs: number | undefined): Promise<TimingTrial> {
  const proxy = await startFaultProxy({ target: { port: server.port } });
  const client = createClient({
    url: `ws://127.0.0.1:${proxy.port}/`,
    appId: BENCH_APP,
    ...(heartbeatIntervalMs ? { heartbeatIntervalMs } : {}),
  });
  const states = new StateRecorder(client);
  const uid = `timing-${process.pid}-${nextUid++}`;
  try {
    await client.login({
      uid,
      token: createToken({ appId: BENCH_APP, appSecret: BENCH_SECRET, uid, expiresInSeconds: 3600 }),
    });
    // A random moment of the heartbeat cycle, after a few round trips.
    await sleep(random(1500, 3500));
    const from = states.seen.length;
    const darkAt = performance.now();
    proxy.blackhole();
    const down = await states.waitFor('RECONNECTING/INTERRUPTED', 30_000, from);
    await sleep(random(500, 5000));
    const after = states.seen.length;
    const passAt = performance.now();
    await proxy.pass();
    const up = await states.waitFor('CONNECTED/LOGIN_SUCCESS', 60_000, after);
    return { downMs: down.at - darkAt, upMs: up.at - passAt, reason: 'INTERRUPTED' };
  } catch (error) {
    return { downMs: null, upMs: null, reason: 'error', error: String(error) };
  } finally {
    await client.destroy().catch(() => undefined);
    await proxy.close();
  }
}

async function socketIoTrial(port: number): Promise<TimingTrial> {
  const proxy = await startFaultProxy({ target: { port } });
  const socket: SocketIoSocket = socketIoClient(`http://127.0.0.1:${proxy.port}`, { forceNew: true });
  let connectedAt: number | undefined;
  let disconnectedAt: number | undefined;
  let reason = '';
  socket.on('connect', () => (connectedAt = performance.now()));
  socket.on('disconnect', (why) => {
    disconnectedAt = performance.now();
    reason = why;
  });
  try {
    await waitFor(() => connectedAt, 30_000, 'connect');
    // A random moment of the server's 25 s ping cycle (after the upgrade to a websocket).
    await sleep(random(1000, 26_000));
    connectedAt = undefined;
    const darkAt = performance.now();
    proxy.blackhole();
    const down = await waitFor(() => disconnectedAt, 120_000, 'disconnect');
    await sleep(random(500, 5000));
    const passAt = performance.now();
    await proxy.pass();
    const up = await waitFor(() => connectedAt, 120_000, 'connect');
    return { downMs: down - darkAt, upMs: up - passAt, reason };
  } catch (error) {
    return { downMs: null, upMs: null, reason: reason || 'error', error: String(error) };
  } finally {
    socket.close();
    await proxy.close();
  }
}

async function inBatches(
  ctx: BenchContext,
  label: string,
  trials: number,
  parallel: number,
  trial: () => Promise<TimingTrial>,
): Promise<TimingTrial[]> {
  const results: TimingTrial[] = [];
  while (results.length < trials) {
    const batch = Math.min(parallel, trials - results.length);
    results.push(...(await Promise.all(Array.from({ length: batch }, trial))));
    const last = results.slice(-batch).filter((r) => r.downMs !== null);
    ctx.log(
      `${label}: ${results.length}/${trials} trials; ` +
        `this batch down ${last.map((r) => ((r.downMs ?? 0) / 1000).toFixed(2)).join(' ')} s`,
    );
  }
  return results;
}

function summarizeRun(client: TimingClient, heartbeatMs: number, parallel: number, samples: TimingTrial[]): TimingRun {
  const ok = samples.filter((s) => s.downMs !== null && s.upMs !== null);
  const down = ok.map((s) => s.downMs!);
  const rtm = client !== 'socket.io';
  const reasons: Record<string, number> = {};
  for (const s of samples) reasons[s.reason] = (reasons[s.reason] ?? 0) + 1;
  return {
    client,
    heartbeatMs,
    trials: samples.length,
    failed: samples.length - ok.length,
    down: rounded(summarize(down), 0),
    up: rounded(summarize(ok.map((s) => s.upMs!)), 0),
    withinGoal: rtm
      ? down.filter((d) => d >= INTERRUPTION_GOAL_MS.earliest && d <= INTERRUPTION_GOAL_MS.latest).length
      : null,
    early: rtm ? down.filter((d) => d < INTERRUPTION_GOAL_MS.earliest).length : null,
    reasons,
    parallel,
    samples: samples.map((s) => ({
      ...s,
      downMs: round(s.downMs ?? Number.NaN, 1),
      upMs: round(s.upMs ?? Number.NaN, 1),
    })),
  };
}

export async function runTiming(ctx: BenchContext): Promise<TimingResult> {
  const { timingTrials: trials, parallel, sioParallel } = ctx.options;
  const runs: TimingRun[] = [];
  for (const client of ctx.options.timingClients) {
    if (client === 'socket.io') {
      const http: HttpServer = createServer();
      const io = new SocketIoServer(http);
      http.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => http.once('listening', resolve));
      const port = (http.address() as AddressInfo).port;
      ctx.log(
        `timing socket.io-client: ${trials} trials, ${sioParallel} at once ` +
          '(each up to ~80 s: ping 25 s + timeout 20 s)',
      );
      try {
        runs.push(
          summarizeRun(
            client,
            25_000,
            sioParallel,
            await inBatches(ctx, 'timing socket.io-client', trials, sioParallel, () => socketIoTrial(port)),
          ),
        );
      } finally {
        await new Promise<void>((resolve) => void io.close(() => resolve()));
      }
      continue;
    }
    const heartbeatMs = client === 'rx-rtm-400' ? 400 : 1000;
    const server = await startServer({ port: 0, apps: { [BENCH_APP]: BENCH_SECRET } });
    ctx.log(`timing ${client} (heartbeat ${heartbeatMs} ms): ${trials} trials, ${parallel} at once`);
    try {
      const samples = await inBatches(ctx, `timing ${client}`, trials, parallel, () =>
        rtmTrial(server, client === 'rx-rtm-400' ? 400 : undefined),
      );
      const run = summarizeRun(client, heartbeatMs, parallel, samples);
      ctx.log(
        `timing ${client}: down p50 ${run.down.p50} ms, max ${run.down.max} ms, ` +
          `within [4.0, 4.5] s: ${run.withinGoal}/${run.trials - run.failed}, early ${run.early}; ` +
          `up p50 ${run.up.p50} ms max ${run.up.max} ms`,
      );
      runs.push(run);
    } finally {
      await server.close();
    }
  }
  return { runs };
}
