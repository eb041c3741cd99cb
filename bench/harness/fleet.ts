/**
 * A server under test and the generators that load it, each a child
 * process: the server pinned to its own CPU, generators on the others.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildName } from './build.js';
import { BENCH_APP, BENCH_SECRET, localAddresses, type BenchContext } from './context.js';
import type {
  FromGenerator,
  FromServer,
  GeneratorConfig,
  ServerChildConfig,
  ServerKind,
  ToGenerator,
  ToServer,
} from './ipc.js';
import { Child } from './proc.js';

export type ServerChild = Child<ToServer, FromServer>;
export type GeneratorChild = Child<ToGenerator, FromGenerator>;

const SERVER_ENTRY: Record<ServerKind, ChildName> = {
  'rx-rtm': 'server-rtm',
  ws: 'server-ws',
  'socket.io': 'server-sio',
};

export interface StartedServer {
  child: ServerChild;
  url: string;
  kind: ServerKind;
}

export async function startServerChild(
  ctx: BenchContext,
  kind: ServerKind,
  label: string,
  extra: Partial<ServerChildConfig> = {},
): Promise<StartedServer> {
  const nodeArgs = ['--expose-gc', ...ctx.options.serverNodeArgs];
  if (ctx.options.profile) {
    const dir = join(ctx.options.outDir, 'profiles');
    mkdirSync(dir, { recursive: true });
    nodeArgs.push(
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      `--cpu-prof-name=${label.replace(/[^\w.-]+/g, '_')}.cpuprofile`,
    );
  }
  const config: ServerChildConfig = { host: '127.0.0.1', app: BENCH_APP, secret: BENCH_SECRET, ...extra };
  const child: ServerChild = new Child(`server ${kind}`, ctx.bundles.path(SERVER_ENTRY[kind]), {
    nodeArgs,
    env: { BENCH_SERVER: JSON.stringify(config) },
    cpus: ctx.pin?.server,
  });
  const { port } = await child.next('ready', 30_000);
  return { child, url: `ws://127.0.0.1:${port}/`, kind };
}

export async function stopServerChild(server: StartedServer): Promise<void> {
  await server.child.stop({ type: 'exit' }, 8000);
}

/**
 * Generators enough for `sessions` (each holds at most `perGenerator`), at
 * least `processes` of them, ready.
 */
export async function startGenerators(
  ctx: BenchContext,
  server: StartedServer,
  sessions: number,
  heartbeatMs: number,
  uidPrefix = 'u',
  processes = 1,
): Promise<GeneratorChild[]> {
  const needed = Math.ceil(sessions / Math.min(ctx.options.perGenerator, ctx.maxSessionsPerProcess));
  const count = Math.max(1, processes, needed);
  const addresses = localAddresses();
  const generators = Array.from({ length: count }, (_, i) => {
    const config: GeneratorConfig = {
      kind: server.kind,
      url: server.url,
      app: BENCH_APP,
      secret: BENCH_SECRET,
      // Each generator its own source addresses (a bound address has its own ephemeral ports).
      localAddresses: addresses.filter((_, a) => a % count === i),
      uidPrefix: `${uidPrefix}${i}-`,
      heartbeatMs,
    };
    return new Child<ToGenerator, FromGenerator>(`generator ${i}`, ctx.bundles.path('generator'), {
      env: { BENCH_GENERATOR: JSON.stringify(config) },
      cpus: ctx.pin?.load,
    });
  });
  await Promise.all(generators.map((g) => g.next('ready', 30_000)));
  return generators;
}

/** Splits `total` as evenly as possible over `parts`. */
export function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/** Opens `total` sessions over the generators, reporting progress every few seconds. */
export async function openSessions(
  ctx: BenchContext,
  generators: GeneratorChild[],
  total: number,
  what: string,
): Promise<{ open: number; failed: number; seconds: number; firstFailure: string | undefined }> {
  const progress = generators.map(() => ({ open: 0, failed: 0 }));
  let lastReport = performance.now();
  generators.forEach((g, i) =>
    g.on('progress', (p) => {
      progress[i] = p;
      if (performance.now() - lastReport >= 5000) {
        lastReport = performance.now();
        const open = progress.reduce((n, x) => n + x.open, 0);
        const failed = progress.reduce((n, x) => n + x.failed, 0);
        ctx.log(`${what}: ${open}/${total} sessions open${failed ? `, ${failed} failed` : ''}`);
      }
    }),
  );
  const started = performance.now();
  const counts = shares(total, generators.length);
  const concurrency = Math.max(1, Math.round(ctx.options.rampConcurrency / generators.length));
  const deadlineMs = ctx.options.rampTimeoutSeconds * 1000;
  const results = await Promise.all(
    generators.map((g, i) =>
      g.ask({ type: 'open', count: counts[i], concurrency, deadlineMs }, 'opened', deadlineMs + 60_000),
    ),
  );
  return {
    open: results.reduce((n, r) => n + r.open, 0),
    failed: results.reduce((n, r) => n + r.failed, 0),
    seconds: (performance.now() - started) / 1000,
    firstFailure: results.find((r) => r.firstFailure)?.firstFailure,
  };
}

/**
 * Every session of the generators joins `channel`, the ramp's concurrency
 * shared among them; resolves when all joined, with how long it took and
 * the member events heard meanwhile.
 */
export async function joinChannel(
  ctx: BenchContext,
  generators: GeneratorChild[],
  channel: string,
  label: string,
): Promise<{ seconds: number; events: number }> {
  const started = performance.now();
  const counts = shares(ctx.options.rampConcurrency, generators.length);
  const joins = await Promise.all(
    generators.map((g, i) =>
      g.ask({ type: 'join', channel, concurrency: Math.max(1, counts[i]) }, 'joined', 3_600_000),
    ),
  );
  const failed = joins.reduce((n, j) => n + j.failed, 0);
  if (failed > 0) throw new Error(`${label}: ${failed} joins failed`);
  return { seconds: (performance.now() - started) / 1000, events: joins.reduce((n, j) => n + j.events, 0) };
}

export async function stopGenerators(generators: GeneratorChild[]): Promise<void> {
  await Promise.all(
    generators.map(async (g) => {
      await g.ask({ type: 'close' }, 'closed', 60_000).catch(() => undefined);
      await g.stop();
    }),
  );
}
