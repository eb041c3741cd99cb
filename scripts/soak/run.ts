/**
 * `npm run soak -- [--seed n] [--clients 1000] [--channels 20] [--minutes 10] [--starved] [--cluster]`:
 * the long soak of issue 16. The server runs in its own child process, the
 * clients (each through its fault proxy) in another; this process paces
 * them, restarts the server (or kills a node of a cluster of two on a real
 * redis-server), measures the server from outside and inside,
 * and prints the seed first and a summary last. Exit code 1 when an
 * invariant or a resource check fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { bundleEntries } from '../../bench/harness/build.js';
import { Child, CpuWindow, killChildren, machineBusySeconds } from '../../bench/harness/proc.js';
import { RedisProcess } from '../../spec/support/redis-process.js';
import type { SoakPlan, SoakResult } from '../../spec/support/soak.js';
import { sleep } from '../../spec/support/state-recorder.js';
import type { FromSoakClients, ToSoakClients } from './ipc.js';
import { mib, ServerNode, snapshotIn } from './server-node.js';

const APP = 'soak';
const SECRET = 'soak-secret';
/**
 * The server's defaults (BEHAVIOUR §4.1, §4.2). A shorter grace made a starved load generator
 * cascade: pongs late past it, sessions lost, every rejoin a flood of member events, more pongs late.
 */
const GRACE_MS = 30_000;
const UNREACHABLE_MS = 6000;
const DIR = join(import.meta.dirname, '..', '..', 'artifacts', 'soak');

const whole = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};
const options = new Command('soak')
  .option('--seed <n>', 'the seed of every random choice', whole('seed'), Math.floor(Math.random() * 2 ** 31))
  .option('--clients <n>', 'clients, each through its fault proxy', whole('clients'), 1000)
  .option('--channels <n>', 'channels; each client joins 1 to 5', whole('channels'), 20)
  .option('--minutes <n>', 'minutes of faults (fractions allowed)', whole('minutes'), 10)
  .option('--starved', 'a busy loop on one core beside it, and the server stalled 100-500 ms at random', false)
  .option('--cluster', 'two nodes on a real redis-server; one is killed and started again', false)
  .option('--snapshots', 'heap snapshots at the reference, compared with one after calm if memory grew', false)
  .parse()
  .opts<{
    seed: number;
    clients: number;
    channels: number;
    minutes: number;
    starved: boolean;
    cluster: boolean;
    snapshots: boolean;
  }>();

const { seed, clients, minutes, starved } = options;
console.log(`soak seed ${seed} (--seed ${seed}): ${clients} clients, ${options.channels} channels, ${minutes} min`);
mkdirSync(DIR, { recursive: true });
process.once('SIGINT', () => {
  killChildren();
  process.exit(130);
});

const plan: SoakPlan = {
  seed,
  app: APP,
  secret: SECRET,
  clients,
  channels: options.channels,
  channelsPerClient: [1, 5],
  peersPerClient: 5,
  faultMs: minutes * 60_000,
  faultEveryMs: [60_000, 180_000],
  serverRestarts: Math.max(1, Math.round(minutes / 5)),
  sendEveryMs: [10_000, 30_000],
  channelShare: 0.1,
  attributeEveryMs: [30_000, 90_000],
  graceMs: GRACE_MS,
  excuseAfterMs: 10_000,
  connectWithinMs: 20_000,
  quietMs: GRACE_MS + 2000,
  concurrency: 50,
  client: { reconnectMaxDelayMs: 5000 },
};

/**
 * The children run as plain JavaScript bundles, as in the bench (bench/harness/build.ts), so no
 * TypeScript loader adds to the server's memory; packages resolve from the repository's node_modules.
 */
const BUILD = join(DIR, `.build-${process.pid}`);
await bundleEntries(
  { server: join(import.meta.dirname, 'server-child.ts'), clients: join(import.meta.dirname, 'clients-child.ts') },
  BUILD,
);
process.once('exit', () => rmSync(BUILD, { recursive: true, force: true }));

let stallSeed = seed;
const redis = options.cluster ? await RedisProcess.start() : undefined;
const nodes = Array.from(
  { length: options.cluster ? 2 : 1 },
  (_, i) =>
    new ServerNode(
      options.cluster ? `node ${i}` : 'server',
      join(BUILD, 'server.mjs'),
      (port) => ({
        port,
        app: APP,
        secret: SECRET,
        presenceGraceMs: GRACE_MS,
        unreachableMs: UNREACHABLE_MS,
        ...(redis ? { redisUrl: redis.url } : {}),
        ...(starved ? { stalls: { ms: [100, 500], everyMs: [2000, 8000], seed: stallSeed++ } } : {}),
      }),
      snapshotIn(DIR, seed),
      options.cluster,
      options.snapshots,
    ),
);
const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

const busy: ChildProcess | undefined = starved
  ? spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' })
  : undefined;

for (const node of nodes) {
  await node.start();
  log(`${node.name} on port ${node.port}, ${node.baselineFds} fds`);
}

const clientsChild = new Child<ToSoakClients, FromSoakClients>('soak clients', join(BUILD, 'clients.mjs'), {
  env: { SOAK_CLIENTS: JSON.stringify({ plan, ports: nodes.map((n) => n.port) }) },
});
clientsChild.on('log', ({ line }) => log(`clients: ${line}`));

let phase: 'setup' | 'faults' | 'calm' = 'setup';
clientsChild.on('restart-server', ({ node }) => {
  const server = nodes[node];
  void (async () => {
    log(`${server.name}: ${options.cluster ? 'killed' : 'restarting'}`);
    // One node: a graceful restart (goaway). A cluster: the node dies, its clients go elsewhere.
    await server.restart(options.cluster);
    log(`${server.name}: back`);
    clientsChild.send({ type: 'restarted' });
  })();
});

clientsChild.on('mid-calm', () => {
  void (async () => {
    for (const node of nodes) log(await node.takeReference('at the calm halfway, after the restarts'));
    clientsChild.send({ type: 'measured' });
  })();
});

await clientsChild.next('warm', 30 * 60_000);
await sleep(5000);
for (const node of nodes) log(await node.takeReference('after warm-up'));
await sleep(5000);
phase = 'faults';
const cpu = new CpuWindow([clientsChild.pid]);
const machineFrom = machineBusySeconds();
const faultsFrom = performance.now();
for (const node of nodes) node.countCpu();
const sampler = setInterval(() => {
  for (const node of nodes) {
    if (phase !== 'faults' || node.down) continue;
    void (async () => {
      const now = await node.sample();
      log(
        `${node.name}: ${now.sessions} sessions, RSS ${mib(now.memory.rss)}, heap ${mib(now.memory.heapUsed)}, ` +
          `loop p99 ${now.loopDelayP99Ms.toFixed(0)} ms, utilization ${(now.loopUtilization * 100).toFixed(0)} %`,
      );
    })().catch((error: unknown) => log(`${node.name}: no figures this time (${String(error)})`));
  }
}, 10_000);
clientsChild.send({ type: 'go' });

const { result, loopDelayP99Ms: clientsLoopP99 } = await clientsChild.next('result', plan.faultMs + 20 * 60_000);
phase = 'calm';
clearInterval(sampler);
const faultSeconds = (performance.now() - faultsFrom) / 1000;
const serverCpu = nodes.reduce((sum, node) => sum + node.cpuSeconds(), 0);
const cpuPercent = { server: (serverCpu / faultSeconds) * 100, clients: cpu.percent()[0] };
const othersPercent =
  ((machineBusySeconds() - machineFrom) / faultSeconds) * 100 - cpuPercent.server - cpuPercent.clients;
const figures = await Promise.all(nodes.map((node) => node.runFigures()));
const memory: string[] = [];
let memoryOk = true;
for (const node of nodes) {
  const { ok, lines } = await node.checkMemory();
  memoryOk &&= ok;
  memory.push(...lines);
}

clientsChild.send({ type: 'logout' });
await clientsChild.next('logged-out', 10 * 60_000);
const afterFds = await Promise.all(
  nodes.map(async (node) => {
    let count = node.fds();
    for (let waited = 0; count > node.baselineFds && waited < 15_000; waited += 500) {
      await sleep(500);
      count = node.fds();
    }
    return count;
  }),
);
const fdsOk = nodes.every((node, i) => afterFds[i] <= node.baselineFds);
await clientsChild.stop(undefined, 5000);
for (const node of nodes) await node.stop();
await redis?.stop();
busy?.kill('SIGKILL');

const broken = Object.values(result.violations).reduce((n, lines) => n + lines.length, 0);
const ok = broken === 0 && memoryOk && fdsOk;
const summary = {
  seed,
  clients,
  channels: options.channels,
  minutes,
  mode: `${options.cluster ? 'cluster of 2 nodes' : 'one node'}, ${starved ? 'starved' : 'normal'}`,
  faults: result.faults,
  messages: result.messages,
  connectedAfterMs: result.connectedAfterMs,
  invariants: Object.fromEntries(Object.entries(result.violations).map(([rule, lines]) => [rule, lines.length])),
  memory,
  fds: nodes.map((node, i) => ({ node: node.name, baseline: node.baselineFds, afterLogout: afterFds[i] })),
  loopDelay: nodes.map((node, i) => ({ node: node.name, ...figures[i] })),
  clientsLoopDelayP99Ms: clientsLoopP99,
  cpuPercent: { ...cpuPercent, others: othersPercent },
  ok,
};
writeFileSync(join(DIR, `soak-${seed}.json`), JSON.stringify({ ...summary, violations: result.violations }, null, 2));
printSummary(result);

function printSummary(r: SoakResult): void {
  const list = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  console.log(`\nsoak seed ${seed}: ${clients} clients, ${options.channels} channels, ${minutes} min, ${summary.mode}`);
  const stalls = figures.reduce((n, f) => n + f.stalls, 0);
  console.log(`faults: ${list(r.faults)}${starved ? `, server stalls ${stalls}` : ''}`);
  console.log(`messages: ${list(r.messages)}`);
  console.log('invariants:');
  for (const [rule, lines] of Object.entries(r.violations)) {
    console.log(`  ${lines.length ? '✘' : '✔'} ${rule}${lines.length ? `: ${lines.length} broken` : ''}`);
    for (const line of lines.slice(0, 50)) console.log(`      ${line}`);
    if (lines.length > 50) console.log(`      … ${lines.length - 50} more in ${join(DIR, `soak-${seed}.json`)}`);
  }
  const back =
    r.connectedAfterMs === undefined ? 'NOT within the limit' : `${Math.round(r.connectedAfterMs)} ms after calm`;
  console.log(`everyone CONNECTED ${back}`);
  console.log('resources:');
  for (const line of memory) console.log(`  ${line}`);
  for (const [i, node] of nodes.entries()) {
    const mark = afterFds[i] <= node.baselineFds ? '✔' : '✘';
    console.log(
      `  ${mark} ${node.name} fds: ${node.baselineFds} before any client → ${afterFds[i]} after everyone logged out`,
    );
    const f = figures[i];
    console.log(
      `  ${node.name} event-loop delay over the run: p99 ${ms(f.loopDelayP99Ms)}, max ${ms(f.loopDelayMaxMs)}`,
    );
  }
  const { server: s, clients: c, others: o } = summary.cpuPercent;
  console.log(
    `  CPU over the faults (% of one core): server ${s.toFixed(0)}, clients ${c.toFixed(0)}, all else ${o.toFixed(0)}`,
  );
  console.log(`  clients' event-loop delay over the run: p99 ${clientsLoopP99.toFixed(0)} ms`);
  console.log(ok ? 'PASS' : 'FAIL');
}
process.exit(ok ? 0 : 1);
