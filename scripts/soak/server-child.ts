/**
 * The soak's server: rx-rtm's reference server alone in its process (so its
 * memory, descriptors and event-loop delay are its own), answering the bench
 * harness's questions (bench/children/serve-child.ts) and the soak's. In
 * starved mode a test hook here, not in lib/, blocks its event loop for
 * 100–500 ms at random moments.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { seededRandom } from '../../lib/client/backoff.js';
import { startServer } from '../../lib/server/start-server.js';
import { serveHarness } from '../../bench/children/serve-child.js';
import type { FromSoakServer, SoakServerConfig, ToSoakServer } from './ipc.js';

const text = process.env.SOAK_SERVER;
if (!text) throw new Error('SOAK_SERVER is not set: this file is started by scripts/soak/run.ts');
const config = JSON.parse(text) as SoakServerConfig;

const server = await startServer({
  port: config.port,
  host: '127.0.0.1',
  apps: { [config.app]: config.secret },
  presenceGraceMs: config.presenceGraceMs,
  unreachableMs: config.unreachableMs,
  onError: (error) => console.error('rx-rtm server (soak):', error),
  ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
});

const RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
loopDelay.enable();
const delay = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);

let stalls = 0;
if (config.stalls) {
  const { ms, everyMs, seed } = config.stalls;
  const random = seededRandom(seed);
  const between = ([low, high]: readonly [number, number]) => low + random() * (high - low);
  const stall = () => {
    const until = performance.now() + between(ms);
    while (performance.now() < until); // the point: nothing else runs meanwhile
    stalls++;
    setTimeout(stall, between(everyMs)).unref();
  };
  setTimeout(stall, between(everyMs)).unref();
}

process.on('message', (message: ToSoakServer) => {
  if (message.type !== 'run-figures') return;
  const reply: FromSoakServer = {
    type: 'run-figures',
    loopDelayP99Ms: delay(loopDelay.percentile(99)),
    loopDelayMaxMs: delay(loopDelay.max),
    stalls,
  };
  process.send?.(reply);
});
serveHarness(
  server.port,
  () => server.sessionCount,
  () => server.close(),
);
