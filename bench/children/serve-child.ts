/**
 * What every server child shares: its configuration, and the answers to
 * the harness (memory after a collection, event-loop delay, heap
 * snapshots, a clean exit so `--cpu-prof` writes its profile). The harness
 * reads CPU time from /proc itself, so nothing here runs while it measures.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import type { FromServer, ServerChildConfig, ToServer } from '../harness/ipc.js';

export function childConfig(): ServerChildConfig {
  const text = process.env.BENCH_SERVER;
  if (!text) throw new Error('BENCH_SERVER is not set: this file is started by the benchmark harness');
  return JSON.parse(text) as ServerChildConfig;
}

const LOOP_DELAY_RESOLUTION_MS = 10;

function send(message: FromServer): void {
  process.send?.(message);
}

/** Tells the harness the server listens on `port`, and answers it from then on. */
export function serveHarness(port: number, sessions: () => number, close: () => Promise<void>): void {
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();
  let utilization: EventLoopUtilization = performance.eventLoopUtilization();
  // The histogram records whole timer intervals: the delay is what exceeds the resolution.
  const delay = (ns: number) => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message: ToServer) => {
    switch (message.type) {
      case 'stats': {
        if (message.gc && gc) {
          gc();
          gc();
        }
        const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
        send({
          type: 'stats',
          memory: { rss, heapUsed, heapTotal, external, arrayBuffers },
          sessions: sessions(),
          loopDelayP50Ms: delay(loopDelay.percentile(50)),
          loopDelayP99Ms: delay(loopDelay.percentile(99)),
          loopDelayMaxMs: delay(loopDelay.max),
          loopUtilization: performance.eventLoopUtilization(utilization).utilization,
        });
        loopDelay.reset();
        utilization = performance.eventLoopUtilization();
        return;
      }
      case 'heap-snapshot':
        send({ type: 'heap-snapshot', path: writeHeapSnapshot(message.path) });
        return;
      case 'exit': {
        // Closing 20 000 sockets politely takes a while; the profile is what matters.
        const deadline = setTimeout(() => process.exit(0), 3000);
        void close().finally(() => {
          clearTimeout(deadline);
          process.exit(0);
        });
        return;
      }
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port });
}
