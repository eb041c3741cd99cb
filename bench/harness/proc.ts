/**
 * Child processes and what the kernel says about them: CPU time from
 * /proc/<pid>/stat (read from outside, so measuring costs the measured
 * process nothing), the open-files limit, and pinning to a CPU.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

let clockTicks: number | undefined;
/** Kernel clock ticks per second (USER_HZ), the unit of /proc/<pid>/stat times. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds a process has used so far in user and in kernel mode; NaN when /proc cannot tell. */
export function cpuSplit(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), counted from field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / ticksPerSecond(), system: Number(fields[12]) / ticksPerSecond() };
  } catch {
    return { user: Number.NaN, system: Number.NaN };
  }
}

/** CPU seconds (user + system) a process has used so far; NaN when /proc cannot tell. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuSplit(pid);
  return user + system;
}

/** Resident set size of a process in bytes, from /proc (NaN if gone). */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds all CPUs of the machine have been busy (not idle or waiting), from /proc/stat. */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / ticksPerSecond();
  } catch {
    return Number.NaN;
  }
}

/** Measures the CPU used by some processes over a window: % of one core each, and their sum. */
export class CpuWindow {
  private readonly start: number[];
  private readonly kernelStart: number[];
  private readonly machineStart = machineBusySeconds();
  private readonly startedAt = performance.now();
  constructor(private readonly pids: readonly number[]) {
    this.start = pids.map(cpuSeconds);
    this.kernelStart = pids.map((pid) => cpuSplit(pid).system);
  }
  /**
   * Per process, the share of its CPU time spent in the kernel (system calls, the network stack)
   * since the window opened.
   */
  kernelShare(): number[] {
    return this.pids.map((pid, i) => (cpuSplit(pid).system - this.kernelStart[i]) / (cpuSeconds(pid) - this.start[i]));
  }
  /** Per process, CPU seconds (user and kernel) since the window opened. */
  seconds(): number[] {
    return this.pids.map((pid, i) => cpuSeconds(pid) - this.start[i]);
  }
  /** Per process, % of one core since the window opened. */
  percent(): number[] {
    const seconds = (performance.now() - this.startedAt) / 1000;
    return this.pids.map((pid, i) => ((cpuSeconds(pid) - this.start[i]) / seconds) * 100);
  }
  /**
   * % of one core used by everything else on the machine meanwhile (other
   * people's tests, the kernel's network work for these sockets, this
   * harness): what competed with the processes measured.
   */
  othersPercent(): number {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const ours = this.percent().reduce((a, b) => a + b, 0);
    return Math.max(0, ((machineBusySeconds() - this.machineStart) / seconds) * 100 - ours);
  }
}

/** The soft and hard limits on open files of this process (children inherit them). */
export function openFilesLimit(): { soft: number; hard: number } {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line ?? '')
      .split(/\s+/)
      .slice(3, 5)
      .map((v) => (v === 'unlimited' ? Infinity : Number(v)));
    if (Number.isFinite(soft)) return { soft, hard };
  } catch {
    // not Linux
  }
  return { soft: Number.NaN, hard: Number.NaN };
}

const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((path) => existsSync(path));

/**
 * CPUs to pin children to, when the machine has at least two and taskset
 * exists: the server under test gets the last CPU to itself, everything
 * else (generators, this harness) shares the others.
 */
export function pinning(enabled: boolean): { server: string; load: string } | undefined {
  const count = cpus().length;
  if (!enabled || !TASKSET || count < 2) return undefined;
  return { server: String(count - 1), load: count === 2 ? '0' : `0-${count - 2}` };
}

export interface SpawnOptions {
  /** Extra arguments for node itself (`--expose-gc`, `--cpu-prof`). */
  nodeArgs?: readonly string[];
  env?: Record<string, string>;
  /** CPU list for taskset. */
  cpus?: string;
}

/** Every child still running, so an interrupted run leaves none behind. */
const running = new Set<ChildProcess>();

/** Kills every child still running (on SIGINT / SIGTERM, or when a run fails). */
export function killChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** A child process spoken to over IPC. */
export class Child<In extends { type: string }, Out extends { type: string }> {
  readonly process: ChildProcess;
  private readonly waiting: Array<{ type: string; resolve: (message: Out) => void }> = [];
  private readonly listeners = new Map<string, (message: Out) => void>();
  private exited: Promise<number | null>;
  private failure: Error | undefined;

  constructor(
    readonly name: string,
    script: string,
    options: SpawnOptions = {},
  ) {
    const args = [...(options.nodeArgs ?? []), script];
    const [command, argv] =
      options.cpus && TASKSET ? [TASKSET, ['-c', options.cpus, process.execPath, ...args]] : [process.execPath, args];
    this.process = spawn(command, argv, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, ...options.env },
    });
    this.process.on('message', (message: Out) => {
      this.listeners.get(message.type)?.(message);
      const at = this.waiting.findIndex((w) => w.type === message.type);
      if (at >= 0) this.waiting.splice(at, 1)[0].resolve(message);
    });
    running.add(this.process);
    this.exited = new Promise((resolve) =>
      this.process.once('exit', (code) => {
        running.delete(this.process);
        resolve(code);
      }),
    );
    void this.exited.then((code) => {
      this.failure = new Error(`${name} exited (code ${code})`);
      for (const w of this.waiting.splice(0)) w.resolve({ type: '__exit__' } as Out);
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  /** Calls `listener` for every message of `type` (progress reports). */
  on<T extends Out['type']>(type: T, listener: (message: Extract<Out, { type: T }>) => void): void {
    this.listeners.set(type, listener as (message: Out) => void);
  }

  /** The next message of `type`; rejects if the child exits first or `timeoutMs` passes. */
  next<T extends Out['type']>(type: T, timeoutMs = 600_000): Promise<Extract<Out, { type: T }>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push({
        type,
        resolve: (message) => {
          clearTimeout(timer);
          if (message.type === '__exit__') reject(this.failure ?? new Error(`${this.name} exited`));
          else resolve(message as Extract<Out, { type: T }>);
        },
      });
    });
  }

  send(message: In): void {
    this.process.send(message);
  }

  /** Sends `message` and waits for the reply of `type`. */
  ask<T extends Out['type']>(message: In, type: T, timeoutMs?: number): Promise<Extract<Out, { type: T }>> {
    const reply = this.next(type, timeoutMs);
    this.send(message);
    return reply;
  }

  /** Waits for the child to exit (after asking it to), killing it after `graceMs`. */
  async stop(ask?: In, graceMs = 5000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    if (ask && this.process.connected) this.process.send(ask);
    else this.process.disconnect?.();
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
