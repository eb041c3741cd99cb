/**
 * `npm run soak -- [--seed n] [--clients 1000] [--channels 20] [--minutes 10] [--starved]`:
 * the long soak of issue 16. The server runs in its own child process, the
 * clients (each through its fault proxy) in another; this process paces
 * them, restarts the server, measures the server from outside and inside,
 * and prints the seed first and a summary last. Exit code 1 when an
 * invariant or a resource check fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { build } from 'esbuild';
import { heapCensus } from '../../bench/harness/heap-summary.js';
import { Child, CpuWindow, cpuSeconds, killChildren, machineBusySeconds } from '../../bench/harness/proc.js';
import type { SoakPlan, SoakResult } from '../../spec/support/soak.js';
import { sleep } from '../../spec/support/state-recorder.js';
import type { FromSoakClients, FromSoakServer, SoakServerConfig, ToSoakClients, ToSoakServer } from './ipc.js';

const APP = 'soak';
const SECRET = 'soak-secret';
const GRACE_MS = 10_000;
const UNREACHABLE_MS = 3000;
/** Calm RSS and heap may exceed their warm-up level by this share. */
const MEMORY_TOLERANCE = 0.1;
/** A restarted server's reference is taken this long after it is back, once nearly everyone is. */
const REFERENCE_AFTER_RESTART_MS = 30_000;
const DIR = join(import.meta.dirname, '..', '..', 'artifacts', 'soak');
const MiB = 2 ** 20;

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
  .parse()
  .opts<{ seed: number; clients: number; channels: number; minutes: number; starved: boolean }>();

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
  faultEveryMs: [15_000, 45_000],
  serverRestarts: Math.max(1, Math.round(minutes / 5)),
  sendEveryMs: [5000, 15_000],
  channelShare: 0.1,
  attributeEveryMs: [20_000, 60_000],
  graceMs: GRACE_MS,
  excuseAfterMs: 10_000,
  connectWithinMs: 20_000,
  quietMs: GRACE_MS + 2000,
  concurrency: 50,
  client: { reconnectMaxDelayMs: 5000 },
};

type ServerChild = Child<ToSoakServer, FromSoakServer>;
type Stats = Extract<FromSoakServer, { type: 'stats' }>;

/**
 * The children run as plain JavaScript bundles, as in the bench (bench/harness/build.ts), so no
 * TypeScript loader adds to the server's memory; packages resolve from the repository's node_modules.
 */
const BUILD = join(DIR, `.build-${process.pid}`);
await build({
  entryPoints: {
    server: join(import.meta.dirname, 'server-child.ts'),
    clients: join(import.meta.dirname, 'clients-child.ts'),
  },
  outdir: BUILD,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
process.once('exit', () => rmSync(BUILD, { recursive: true, force: true }));

let stallSeed = seed;
/** Starts the server child on `port` (0: any) and resolves with it and its port once it listens. */
async function startServer(port: number): Promise<{ child: ServerChild; port: number }> {
  const config: SoakServerConfig = {
    port,
    app: APP,
    secret: SECRET,
    presenceGraceMs: GRACE_MS,
    unreachableMs: UNREACHABLE_MS,
    ...(starved ? { stalls: { ms: [100, 500], everyMs: [2000, 8000], seed: stallSeed++ } } : {}),
  };
  const child: ServerChild = new Child('soak server', join(BUILD, 'server.mjs'), {
    nodeArgs: ['--expose-gc'],
    env: { SOAK_SERVER: JSON.stringify(config) },
  });
  const ready = await child.next('ready', 30_000);
  return { child, port: ready.port };
}

const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const stats = (child: ServerChild, gc: boolean) => child.ask({ type: 'stats', gc }, 'stats', 120_000);
const snapshot = async (child: ServerChild, name: string) =>
  (
    await child.ask(
      { type: 'heap-snapshot', path: join(DIR, `${seed}-${name}.heapsnapshot`) },
      'heap-snapshot',
      300_000,
    )
  ).path;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

const busy: ChildProcess | undefined = starved
  ? spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' })
  : undefined;

const first = await startServer(0);
let server = first.child;
const port = first.port;
const baselineFds = fds(server.pid);
log(`server on port ${port}, ${baselineFds} fds`);

const clientsChild = new Child<ToSoakClients, FromSoakClients>('soak clients', join(BUILD, 'clients.mjs'), {
  env: { SOAK_CLIENTS: JSON.stringify({ plan, ports: [port] }) },
});
clientsChild.on('log', ({ line }) => log(`clients: ${line}`));

/** The level calm is compared with: the server's memory at full strength, and its heap snapshot. */
interface Reference {
  stats: Stats;
  snapshot: string;
  what: string;
}
let reference: Reference | undefined;
let restartedAt: number | undefined;
let phase: 'setup' | 'faults' | 'calm' = 'setup';
let restarting = false;
/**
 * Writing a heap snapshot raises RSS for good, so RSS is measured again after it:
 * the reference and calm both include that rise.
 */
const takeReference = async (what: string): Promise<Reference> => {
  const before = await stats(server, true);
  const path = await snapshot(server, 'reference');
  const measured = await stats(server, true);
  log(
    `reference (${what}): RSS ${mib(before.memory.rss)}, ${mib(measured.memory.rss)} after its heap snapshot; ` +
      `heap ${mib(measured.memory.heapUsed)}; ${measured.sessions} sessions`,
  );
  return { stats: measured, snapshot: path, what };
};

clientsChild.on('restart-server', () => {
  void (async () => {
    log('server: restarting');
    restarting = true;
    serverCpu += cpuSeconds(server.pid);
    await server.stop({ type: 'exit' }, 10_000);
    ({ child: server } = await startServer(port));
    restartedAt = performance.now();
    restarting = false;
    serverCpu -= cpuSeconds(server.pid);
    reference = undefined;
    log('server: back');
    clientsChild.send({ type: 'restarted' });
  })();
});

await clientsChild.next('warm', 30 * 60_000);
await sleep(5000);
reference = await takeReference('after warm-up');
await sleep(5000);
phase = 'faults';
const cpu = new CpuWindow([clientsChild.pid]);
const machineFrom = machineBusySeconds();
const faultsFrom = performance.now();
/** The server's CPU seconds over the faults, across its restarts. */
let serverCpu = -cpuSeconds(server.pid);
const sampler = setInterval(() => {
  void (async () => {
    if (phase !== 'faults' || restarting) return;
    const now = await stats(server, false);
    log(
      `server: ${now.sessions} sessions, RSS ${mib(now.memory.rss)}, heap ${mib(now.memory.heapUsed)}, ` +
        `loop p99 ${now.loopDelayP99Ms.toFixed(0)} ms, utilization ${(now.loopUtilization * 100).toFixed(0)} %`,
    );
    const settled = restartedAt !== undefined && performance.now() - restartedAt > REFERENCE_AFTER_RESTART_MS;
    if (reference === undefined && settled && now.sessions >= clients * 0.98)
      reference = await takeReference('after the last restart');
  })().catch((error: unknown) => log(`server: no figures this time (${String(error)})`));
}, 10_000);
clientsChild.send({ type: 'go' });

const { result, loopDelayP99Ms: clientsLoopP99 } = await clientsChild.next('result', plan.faultMs + 20 * 60_000);
phase = 'calm';
clearInterval(sampler);
serverCpu += cpuSeconds(server.pid);
const faultSeconds = (performance.now() - faultsFrom) / 1000;
const cpuPercent = { server: (serverCpu / faultSeconds) * 100, clients: cpu.percent()[0] };
const othersPercent =
  ((machineBusySeconds() - machineFrom) / faultSeconds) * 100 - cpuPercent.server - cpuPercent.clients;
const calm = await stats(server, true);
const figures = await server.ask({ type: 'run-figures' }, 'run-figures');
const memory: string[] = [];
let memoryOk = true;
if (reference === undefined) {
  memoryOk = false;
  memory.push('no reference: the server was not back at full strength long enough after its last restart');
} else {
  for (const key of ['rss', 'heapUsed'] as const) {
    const before = reference.stats.memory[key];
    const after = calm.memory[key];
    const ok = after <= before * (1 + MEMORY_TOLERANCE);
    memoryOk &&= ok;
    memory.push(
      `${ok ? '✔' : '✘'} ${key === 'rss' ? 'RSS' : 'heap'}: ${mib(before)} ${reference.what} ` +
        `(${reference.stats.sessions} sessions) → ${mib(after)} after calm (${calm.sessions} sessions), ` +
        `${(((after - before) / before) * 100).toFixed(1)} %`,
    );
  }
  if (!memoryOk) {
    const after = await snapshot(server, 'calm');
    const [a, b] = [heapCensus(reference.snapshot), heapCensus(after)];
    const rows = [...new Set([...a.keys(), ...b.keys()])]
      .map((key) => ({
        key,
        bytes: (b.get(key)?.bytes ?? 0) - (a.get(key)?.bytes ?? 0),
        count: (b.get(key)?.count ?? 0) - (a.get(key)?.count ?? 0),
      }))
      .sort((p, q) => Math.abs(q.bytes) - Math.abs(p.bytes))
      .slice(0, 15);
    memory.push(`heap snapshots ${reference.snapshot} → ${after}; largest differences:`);
    for (const r of rows)
      memory.push(`    ${(r.bytes / 1024).toFixed(0).padStart(8)} KiB ${String(r.count).padStart(8)}  ${r.key}`);
  } else {
    rmSync(reference.snapshot, { force: true });
  }
}

clientsChild.send({ type: 'logout' });
await clientsChild.next('logged-out', 10 * 60_000);
let afterFds = fds(server.pid);
for (let waited = 0; afterFds > baselineFds && waited < 15_000; waited += 500) {
  await sleep(500);
  afterFds = fds(server.pid);
}
const fdsOk = afterFds <= baselineFds;
await clientsChild.stop(undefined, 5000);
await server.stop({ type: 'exit' }, 10_000);
busy?.kill('SIGKILL');

const broken = Object.values(result.violations).reduce((n, lines) => n + lines.length, 0);
const ok = broken === 0 && memoryOk && fdsOk;
const summary = {
  seed,
  clients,
  channels: options.channels,
  minutes,
  mode: starved ? 'starved' : 'normal',
  faults: result.faults,
  messages: result.messages,
  connectedAfterMs: result.connectedAfterMs,
  invariants: Object.fromEntries(Object.entries(result.violations).map(([rule, lines]) => [rule, lines.length])),
  memory,
  fds: { baseline: baselineFds, afterLogout: afterFds },
  loopDelayP99Ms: figures.loopDelayP99Ms,
  loopDelayMaxMs: figures.loopDelayMaxMs,
  stalls: figures.stalls,
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
  console.log(`\nsoak seed ${seed}: ${clients} clients, ${options.channels} channels, ${minutes} min, ${summary.mode}`);
  console.log(`faults: ${list(r.faults)}${starved ? `, server stalls ${figures.stalls}` : ''}`);
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
  console.log(
    `  ${fdsOk ? '✔' : '✘'} server fds: ${baselineFds} before any client → ${afterFds} after everyone logged out`,
  );
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  console.log(
    `  server event-loop delay over the run: p99 ${ms(figures.loopDelayP99Ms)}, max ${ms(figures.loopDelayMaxMs)}`,
  );
  const { server: s, clients: c, others: o } = summary.cpuPercent;
  console.log(
    `  CPU over the faults (% of one core): server ${s.toFixed(0)}, clients ${c.toFixed(0)}, all else ${o.toFixed(0)}`,
  );
  console.log(`  clients' event-loop delay over the run: p99 ${clientsLoopP99.toFixed(0)} ms`);
  console.log(ok ? 'PASS' : 'FAIL');
}
process.exit(ok ? 0 : 1);
