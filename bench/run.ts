/**
 * `npm run bench`: runs the benchmarks (sessions held, login rate, fan-out,
 * messages, timing accuracy, the client, the cluster hook, and the unit costs
 * behind docs/SCALING.md), one after another,
 * with a progress line per step on stderr, and writes every figure with the
 * machine's description to bench/results/ (JSON and a Markdown table).
 *
 * Benchmarks are not tests: `npm test` runs only a smoke run of this
 * harness (spec/bench/harness.spec.ts). See BENCHMARKS.md.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runClient } from './benchmarks/client.js';
import { runCluster } from './benchmarks/cluster.js';
import { runFanout } from './benchmarks/fanout.js';
import { runLogins } from './benchmarks/logins.js';
import { runMessages } from './benchmarks/messages.js';
import { runScaling } from './benchmarks/scaling.js';
import { runSessions } from './benchmarks/sessions.js';
import { runTiming } from './benchmarks/timing.js';
import { BENCH_DIR, buildChildren } from './harness/build.js';
import { createContext, describeMachine, progressLog } from './harness/context.js';
import { parseOptions, USAGE, type BenchmarkName, type BenchOptions } from './harness/options.js';
import { killChildren } from './harness/proc.js';
import { judgeGoals, renderMarkdown, RESULTS_SCHEMA, writeResults, type BenchResults } from './harness/report.js';

export const DEFAULT_RESULTS_DIR = join(BENCH_DIR, 'results');

/** Runs what `options` asks for and returns every figure (written to `options.outDir` unless `write` is off). */
export async function runBench(
  options: BenchOptions,
  log: (line: string) => void = progressLog(),
): Promise<BenchResults> {
  const started = performance.now();
  const bundles = await buildChildren(options.libDir);
  try {
    const ctx = createContext(options, bundles, log);
    const machine = describeMachine(ctx.pin);
    log(
      `${machine.cores} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; ` +
        `load average ${machine.loadAverage.start}; ` +
        `open files ${machine.openFilesLimit.soft}/${machine.openFilesLimit.hard}; ` +
        (ctx.pin ? `server on CPU ${ctx.pin.server}` : 'no pinning'),
    );
    const wants = (name: BenchmarkName) => options.only.includes(name);
    const sessions = wants('sessions') ? await runSessions(ctx) : null;
    const logins = wants('logins') ? await runLogins(ctx) : null;
    const fanout = wants('fanout') && options.fanoutSizes.length ? await runFanout(ctx) : null;
    const messages = wants('messages') ? await runMessages(ctx) : null;
    const timing = wants('timing') ? await runTiming(ctx) : null;
    const client = wants('client') ? await runClient(ctx) : null;
    const cluster = wants('cluster') ? await runCluster(ctx) : null;
    const scaling = wants('scaling') ? await runScaling(ctx) : null;
    machine.loadAverage.end = Math.round(loadavg()[0] * 100) / 100;
    const { write: _write, ...recorded } = options;
    const partial: Omit<BenchResults, 'goals'> = {
      schema: RESULTS_SCHEMA,
      machine,
      options: recorded,
      durationSeconds: Math.round((performance.now() - started) / 100) / 10,
      sessions,
      logins,
      fanout,
      messages,
      timing,
      client,
      cluster,
      scaling,
    };
    const results: BenchResults = { ...partial, goals: judgeGoals(partial) };
    if (options.write) {
      const paths = writeResults(options.outDir, results);
      log(`wrote ${paths.markdown} and ${paths.json} (also latest.md, latest.json)`);
    }
    return results;
  } catch (error) {
    killChildren();
    throw error;
  } finally {
    bundles.dispose();
  }
}

async function main(): Promise<void> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2), DEFAULT_RESULTS_DIR);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killChildren();
      process.exit(130);
    });
  }
  const results = await runBench(options);
  process.stdout.write(`${renderMarkdown(results)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
