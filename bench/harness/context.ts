/**
 * What every benchmark gets from the harness: options, the child bundles,
 * progress lines, pinning, limits; and the machine description recorded
 * with every figure.
 */
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { Bundles } from './build.js';
import type { BenchOptions } from './options.js';
import { openFilesLimit, pinning } from './proc.js';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  kernel: string;
  date: string;
  openFilesLimit: { soft: number | null; hard: number | null };
  /** CPUs the server under test and the load were pinned to (taskset), if pinned. */
  pinning: { server: string; load: string } | null;
  /** 1-minute load average when the run started and ended: other work on the machine shows here. */
  loadAverage: { start: number; end: number | null };
}

export function describeMachine(pin: { server: string; load: string } | undefined): Machine {
  const limit = openFilesLimit();
  const finite = (n: number) => (Number.isFinite(n) ? n : null);
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    date: new Date().toISOString(),
    openFilesLimit: { soft: finite(limit.soft), hard: finite(limit.hard) },
    pinning: pin ?? null,
    loadAverage: { start: Math.round(loadavg()[0] * 100) / 100, end: null },
  };
}

export interface BenchContext {
  readonly options: BenchOptions;
  readonly bundles: Bundles;
  readonly pin: { server: string; load: string } | undefined;
  /** Most sessions one process can hold: its open-files limit less what it needs besides. */
  readonly maxSessionsPerProcess: number;
  /** A progress line to stderr. */
  log(line: string): void;
}

const FILES_RESERVED = 100;

export function createContext(options: BenchOptions, bundles: Bundles, log: (line: string) => void): BenchContext {
  const limit = openFilesLimit();
  // Node raises its soft limit to the hard one at startup; the hard limit is what a child can have.
  const hard = Number.isFinite(limit.hard) ? limit.hard : 1_048_576;
  return {
    options,
    bundles,
    pin: pinning(options.pin),
    maxSessionsPerProcess: hard - FILES_RESERVED,
    log,
  };
}

/** Progress lines: elapsed time and a message, to stderr. */
export function progressLog(stream: { write(text: string): unknown } = process.stderr): (line: string) => void {
  const started = performance.now();
  return (line) => {
    const s = Math.round((performance.now() - started) / 1000);
    stream.write(`[bench ${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${line}\n`);
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Source addresses for connections: 127.0.0.2 … so no single address runs out of ephemeral ports. */
export function localAddresses(count = 16): string[] {
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
}

export const BENCH_APP = 'bench';
export const BENCH_SECRET = 'benchmark-secret-of-32-characters';
