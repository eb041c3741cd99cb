/**
 * One server process of the soak (the server, or a node of a cluster) as
 * run.ts sees it: started, restarted or killed on the same port, its CPU
 * across restarts, its memory at full strength (the reference) and after
 * calm, its descriptors before any client and after everyone left.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { heapCensus, heapDifference, heapRow } from '../../bench/harness/heap-summary.js';
import { Child, cpuSeconds } from '../../bench/harness/proc.js';
import type { FromSoakServer, SoakServerConfig, ToSoakServer } from './ipc.js';

type Stats = Extract<FromSoakServer, { type: 'stats' }>;

/** Calm RSS and heap may exceed their reference by this share. */
const MEMORY_TOLERANCE = 0.1;
/** Calm is compared with the reference only at about the same session count. */
const SESSIONS_TOLERANCE = 0.05;
const MiB = 2 ** 20;
export const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/** The level calm is compared with: memory at full strength, and its heap snapshot. */
interface Reference {
  stats: Stats;
  rssBeforeSnapshot: number;
  snapshot: string | undefined;
  what: string;
}

export class ServerNode {
  private child!: Child<ToSoakServer, FromSoakServer>;
  port = 0;
  /** Descriptors before any client came. */
  baselineFds = 0;
  reference: Reference | undefined;
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

  runFigures() {
    return this.child.ask({ type: 'run-figures' }, 'run-figures');
  }

  async snapshot(name: string): Promise<string> {
    const path = this.snapshotPath(`${this.name.replace(/\W+/g, '-')}-${name}`);
    return (await this.child.ask({ type: 'heap-snapshot', path }, 'heap-snapshot', 300_000)).path;
  }

  /**
   * Memory at full strength, and with `snapshots` a heap snapshot. Writing one raises RSS for good
   * (several times the heap), so RSS is then measured again after it: the reference and calm both
   * include that rise, which makes the RSS check weaker; hence snapshots only when asked.
   */
  async takeReference(what: string): Promise<string> {
    const before = await this.stats(true);
    const snapshot = this.snapshots ? await this.snapshot('reference') : undefined;
    const stats = snapshot ? await this.stats(true) : before;
    this.reference = { stats, rssBeforeSnapshot: before.memory.rss, snapshot, what };
    const after = snapshot ? `, ${mib(stats.memory.rss)} after its heap snapshot` : '';
    return (
      `${this.name} reference (${what}): RSS ${mib(before.memory.rss)}${after}; ` +
      `heap ${mib(stats.memory.heapUsed)}; ${stats.sessions} sessions`
    );
  }

  /**
   * Calm against the reference: lines, and whether they pass. When they fail, a snapshot now and
   * the largest differences by constructor (bench/harness/heap-summary.ts).
   */
  async checkMemory(): Promise<{ ok: boolean; lines: string[] }> {
    const { reference } = this;
    if (reference === undefined)
      return {
        ok: this.mayEndWithoutReference,
        lines: [
          `${this.mayEndWithoutReference ? '-' : '✘'} ${this.name}: not compared, no reference since its restart`,
        ],
      };
    const calm = await this.stats(true);
    const sessions = reference.stats.sessions;
    if (Math.abs(calm.sessions - sessions) > sessions * SESSIONS_TOLERANCE)
      return {
        ok: true,
        lines: [`- ${this.name}: ${calm.sessions} sessions after calm, ${sessions} at the reference: not compared`],
      };
    const lines: string[] = [];
    let ok = true;
    for (const key of ['rss', 'heapUsed'] as const) {
      const before = reference.stats.memory[key];
      const after = calm.memory[key];
      const within = after <= before * (1 + MEMORY_TOLERANCE);
      ok &&= within;
      const snapshotNote =
        key === 'rss' && reference.snapshot ? ` (${mib(reference.rssBeforeSnapshot)} before its heap snapshot)` : '';
      lines.push(
        `${within ? '✔' : '✘'} ${this.name} ${key === 'rss' ? 'RSS' : 'heap'}: ${mib(before)}${snapshotNote} ` +
          `${reference.what} (${sessions} sessions) → ${mib(after)} after calm (${calm.sessions} sessions), ` +
          `${(((after - before) / before) * 100).toFixed(1)} %`,
      );
    }
    if (ok) {
      if (reference.snapshot) rmSync(reference.snapshot, { force: true });
      return { ok, lines };
    }
    const after = await this.snapshot('calm');
    if (reference.snapshot) {
      const { total, rows } = heapDifference(heapCensus(reference.snapshot), heapCensus(after), 15);
      lines.push(`  heap snapshots ${reference.snapshot} → ${after}: ${mib(total)} more; largest differences:`);
      for (const r of rows) lines.push(`  ${heapRow(r)}`);
    } else {
      const { rows } = heapDifference(heapCensus(after), undefined, 15);
      lines.push(`  heap snapshot ${after} (run again with --snapshots for the difference); largest:`);
      for (const r of rows) lines.push(`  ${heapRow(r)}`);
    }
    return { ok, lines };
  }

  stop(): Promise<void> {
    return this.child.stop({ type: 'exit' }, 10_000);
  }
}

/** `<dir>/<seed>-<name>.heapsnapshot` */
export const snapshotIn = (dir: string, seed: number) => (name: string) => join(dir, `${seed}-${name}.heapsnapshot`);
