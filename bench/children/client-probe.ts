/**
 * The client measured alone, in a fresh process (with --expose-gc):
 *
 * - (state, reason) changes per CPU second through the whole pipeline
 *   (link, frames, heartbeats, the transition scan, the pair subject): a
 *   client against FakeRtmServer on a VirtualTimeScheduler, cycling login →
 *   CONNECTED → a dark link → RECONNECTING → healed → CONNECTED → logout,
 *   with no real time passing.
 * - Heap per idle client: `count` clients created and never logged in.
 */
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { createClient } from '../../lib/node.js';
import { FakeRtmServer } from '../../lib/testing/fake-rtm-server.js';

interface ProbeRequest {
  cycles: number;
  idleClients: number;
}

export interface ProbeResult {
  type: 'probe';
  transitions: number;
  cpuSeconds: number;
  virtualSeconds: number;
  transitionsPerCpuSecond: number;
  idleClients: number;
  heapPerIdleClientBytes: number;
  rssPerIdleClientBytes: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const request = JSON.parse(process.env.BENCH_PROBE ?? '{"cycles":2000,"idleClients":1000}') as ProbeRequest;

function transitionsPerSecond(cycles: number): Pick<ProbeResult, 'transitions' | 'cpuSeconds' | 'virtualSeconds'> {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const server = new FakeRtmServer(scheduler, { latencyMs: 10 });
  const client = createClient({ url: 'ws://bench.invalid/', appId: 'bench', WebSocket: server.WebSocket, scheduler });
  let transitions = -1; // the initial pair is replayed, not a change
  client.connectionState$.subscribe(() => transitions++);
  const ignore = () => undefined;
  let left = cycles;
  // One cycle, 20 virtual seconds: CONNECTING, CONNECTED, RECONNECTING, CONNECTED, DISCONNECTED.
  const cycle = () => {
    client.login({ uid: 'alice', token: 't' }).catch(ignore);
    scheduler.schedule(() => server.blackhole(), 2_000);
    scheduler.schedule(() => server.heal(), 8_000);
    scheduler.schedule(() => {
      client.logout().catch(ignore);
      if (--left > 0) scheduler.schedule(cycle, 2_000);
    }, 18_000);
  };
  scheduler.schedule(cycle, 0);
  const before = process.cpuUsage();
  scheduler.flush();
  const used = process.cpuUsage(before);
  return { transitions, cpuSeconds: (used.user + used.system) / 1e6, virtualSeconds: scheduler.now() / 1000 };
}

function idleClientMemory(count: number): { heap: number; rss: number } {
  const make = () => createClient({ url: 'ws://127.0.0.1:9/', appId: 'bench' });
  make(); // load and compile everything once
  gc();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  const clients = Array.from({ length: count }, make);
  gc();
  gc();
  const heap = (process.memoryUsage().heapUsed - heap0) / count;
  const rss = (process.memoryUsage().rss - rss0) / count;
  if (clients.length !== count) throw new Error('unreachable');
  return { heap, rss };
}

// Warm up the JIT, then measure.
transitionsPerSecond(Math.max(10, Math.round(request.cycles / 10)));
const run = transitionsPerSecond(request.cycles);
const idle = idleClientMemory(request.idleClients);
const result: ProbeResult = {
  type: 'probe',
  ...run,
  transitionsPerCpuSecond: run.transitions / run.cpuSeconds,
  idleClients: request.idleClients,
  heapPerIdleClientBytes: idle.heap,
  rssPerIdleClientBytes: idle.rss,
};
process.send?.(result);
process.disconnect?.();
