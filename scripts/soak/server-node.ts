/**
 * One server process of the soak (the server, or a node of a cluster) as
 * run.ts sees it: started, restarted or killed on the same port, its CPU
 * across restarts, its heap at full strength (the reference) and after
 * calm, the trend of its RSS samples (rss-trend.ts), its descriptors before
 * any client and after everyone left.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { heapCensus, heapDifference, heapRow } from '../../bench/harness/heap-summary.js';
import { Child, cpuSeconds } from '../../bench/harness/proc.js';
import type { FromSoakServer, SoakServerConfig, ToSoakServer } from './ipc.js';
import { RssTrendRule, rssTrend, type RssSample } from './rss-trend.js';

type Stats = Extract<FromSoakServer, { type: 'stats' }>;

/** The heap after calm may exceed its reference by this share. */
const HEAP_TOLERANCE = 0.1;
/** Calm is compared with the reference only at about the same session count. */
const SESSIONS_TOLERANCE = 0.05;
const MiB = 2 ** 20;
export const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/** The level calm's heap is compared with: memory at full strength, and its heap snapshot. */
interface Reference {
  stats: Stats;
  snapshot: string | undefined;
  what: string;
}

export class ServerNode {
  private child!: Child<ToSoakServer, FromSoakServer>;
  port = 0;
  /** Descriptors before any client came. */
  baselineFds = 0;
  reference: Reference | undefined;
  /** This process's RSS readings, since it started or since its last heap snapshot (which raises RSS for good). */
  private rssSamples: RssSample[] = [];
  /** True while stopped or starting: no questions then. */
  down = true;
  /** CPU seconds of earlier processes, less the start of the count. */
  private cpu = 0;

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly config: (port: number) => SoakServerConfig,
    /** Where heap snapshots go, by name. */
    private readonly snapshotPath: (name: string) => string,
    /** A cluster's killed node may never get its sessions back: not a failure there. */
    private readonly mayEndWithoutReference: boolean,
    /** Take a heap snapshot with each reference, to compare with one after calm if memory grew. */
    private readonly snapshots: boolean,
  ) {}

  async start(): Promise<void> {
    this.child = new Child(this.name, this.script, {
      nodeArgs: ['--expose-gc'],
      env: { SOAK_SERVER: JSON.stringify(this.config(this.port)) },
    });
    this.port = (await this.child.next('ready', 30_000)).port;
    this.rssSamples = [];
    this.down = false;
    if (this.baselineFds === 0) this.baselineFds = this.fds();
  }

  /** Stops gracefully (`goaway`) or kills, and starts again on the same port; a new reference is due. */
  async restart(kill: boolean): Promise<void> {
    this.down = true;
    this.cpu += cpuSeconds(this.child.pid);
    if (kill) this.child.process.kill('SIGKILL');
    await this.child.stop({ type: 'exit' }, 10_000);
    await this.start();
    this.reference = undefined;
  }

  get pid(): number {
    return this.child.pid;
  }

  fds(): number {
    return readdirSync(`/proc/${this.child.pid}/fd`).length;
  }

  /** Starts counting CPU seconds. */
  countCpu(): void {
    this.cpu = -cpuSeconds(this.child.pid);
  }
  /** CPU seconds since countCpu(), across restarts. */
  cpuSeconds(): number {
    return this.cpu + cpuSeconds(this.child.pid);
  }

  stats(gc: boolean): Promise<Stats> {
    return this.child.ask({ type: 'stats', gc }, 'stats', 120_000);
  }

  /** Figures without a collection (so as not to disturb the run), its RSS kept for the trend. */
  async sample(): Promise<Stats> {
    const stats = await this.stats(false);
    this.rssSamples.push({ atMs: performance.now(), rss: stats.memory.rss });
    return stats;
  }

  runFigures() {
    return this.child.ask({ type: 'run-figures' }, 'run-figures');
  }

  async snapshot(name: string): Promise<string> {
    const path = this.snapshotPath(`${this.name.replace(/\W+/g, '-')}-${name}`);
    return (await this.child.ask({ type: 'heap-snapshot', path }, 'heap-snapshot', 300_000)).path;
  }

  /**
   * Memory at full strength, and with `snapshots` a heap snapshot. Writing one raises RSS for good
   * (several times the heap), so the RSS trend starts again after it, with fewer samples to judge by;
   * hence snapshots only when asked.
   */
  async takeReference(what: string): Promise<string> {
    const stats = await this.stats(true);
    const snapshot = this.snapshots ? await this.snapshot('reference') : undefined;
    if (snapshot) this.rssSamples = [];
    this.reference = { stats, snapshot, what };
    return (
      `${this.name} reference (${what}): RSS ${mib(stats.memory.rss)}; ` +
      `heap ${mib(stats.memory.heapUsed)}; ${stats.sessions} sessions`
    );
  }

  /** The RSS trend's line, and whether it passes (too few samples: not judged, which passes). */
  private checkRss(): { ok: boolean; line: string } {
    const trend = rssTrend(this.rssSamples);
    if (trend.kind === 'too-few')
      return { ok: true, line: `- ${this.name} RSS: ${trend.samples} samples in its last third, too few to judge` };
    const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
    return {
      ok: trend.ok,
      line:
        `${trend.ok ? '✔' : '✘'} ${this.name} RSS over the last third of its samples (${trend.samples} in ` +
        `${(trend.spanMs / 1000).toFixed(0)} s): ${mib(trend.from)} → ${mib(trend.to)} fitted, ` +
        `${percent(trend.growth)} (at most ${percent(RssTrendRule.tolerance)})`,
    };
  }

  /**
   * The RSS trend, and the heap after calm against the reference: lines, and whether they pass. When
   * they fail, a snapshot now and the largest differences by constructor (bench/harness/heap-summary.ts).
   */
  async checkMemory(): Promise<{ ok: boolean; lines: string[] }> {
    const rss = this.checkRss();
    const heap = await this.checkHeap();
    const ok = rss.ok && heap.ok;
    const lines = [rss.line, heap.line];
    const referenceSnapshot = this.reference?.snapshot;
    if (ok) {
      if (referenceSnapshot) rmSync(referenceSnapshot, { force: true });
      return { ok, lines };
    }
    const after = await this.snapshot('calm');
    if (referenceSnapshot) {
      const { total, rows } = heapDifference(heapCensus(referenceSnapshot), heapCensus(after), 15);
      lines.push(`  heap snapshots ${referenceSnapshot} → ${after}: ${mib(total)} more; largest differences:`);
      for (const r of rows) lines.push(`  ${heapRow(r)}`);
    } else {
      const { rows } = heapDifference(heapCensus(after), undefined, 15);
      lines.push(`  heap snapshot ${after} (run again with --snapshots for the difference); largest:`);
      for (const r of rows) lines.push(`  ${heapRow(r)}`);
    }
    return { ok, lines };
  }

  /** The heap after calm, after a collection, against the reference at about the same session count. */
  private async checkHeap(): Promise<{ ok: boolean; line: string }> {
    const { reference } = this;
    if (reference === undefined) {
      const mark = this.mayEndWithoutReference ? '-' : '✘';
      return {
        ok: this.mayEndWithoutReference,
        line: `${mark} ${this.name} heap: not compared, no reference since its restart`,
      };
    }
    const calm = await this.stats(true);
    const sessions = reference.stats.sessions;
    if (Math.abs(calm.sessions - sessions) > sessions * SESSIONS_TOLERANCE)
      return {
        ok: true,
        line: `- ${this.name} heap: ${calm.sessions} sessions after calm, ${sessions} at the reference: not compared`,
      };
    const before = reference.stats.memory.heapUsed;
    const after = calm.memory.heapUsed;
    const ok = after <= before * (1 + HEAP_TOLERANCE);
    return {
      ok,
      line:
        `${ok ? '✔' : '✘'} ${this.name} heap: ${mib(before)} ${reference.what} (${sessions} sessions) → ` +
        `${mib(after)} after calm (${calm.sessions} sessions), ${(((after - before) / before) * 100).toFixed(1)} %`,
    };
  }

  stop(): Promise<void> {
    return this.child.stop({ type: 'exit' }, 10_000);
  }
}

/** `<dir>/<seed>-<name>.heapsnapshot` */
export const snapshotIn = (dir: string, seed: number) => (name: string) => join(dir, `${seed}-${name}.heapsnapshot`);
