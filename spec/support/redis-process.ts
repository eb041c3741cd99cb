/**
 * Real `redis-server` processes for tests: each on a free loopback port,
 * with no persistence (`--save '' --appendonly no`), so a test can kill one
 * (its data gone, as after a crash) and start it again on the same port.
 *
 * Without a `redis-server` binary the Redis suites skip, loudly:
 * {@link requireRedis} prints a warning and calls mocha's `this.skip()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';

const BINARY = process.env.RTM_TEST_REDIS_SERVER ?? 'redis-server';
let available: boolean | undefined;

/** True if a `redis-server` binary runs here (RTM_TEST_REDIS_SERVER names another). */
export function redisAvailable(): boolean {
  available ??= spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
  return available;
}

/** For a `before` hook: skips the suite, with a warning on the console, when no redis-server can run. */
export function requireRedis(context: Mocha.Context, suite: string): void {
  if (redisAvailable()) return;
  const reason =
    `SKIPPED ${suite}: no ${BINARY} can run here ` +
    "(install Debian's redis-server, or set RTM_TEST_REDIS_SERVER to one)";
  console.warn(`\n  ⚠ ${reason}\n`);
  context.skip();
}

/** A port nothing listens on now (the OS's pick, released at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

const running = new Set<ChildProcess>();

/** The child and its output pipes no longer keep the event loop alive. */
function unrefChild(child: ChildProcess): void {
  child.unref();
  // With `stdio: 'pipe'` the child's output streams are sockets.
  for (const pipe of [child.stdout, child.stderr]) (pipe as Socket | null)?.unref();
}
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class RedisProcess {
  private child: ChildProcess | undefined;
  /** Set by {@link unref}. */
  private unrefed = false;
  private frozen = false;

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
    /** A configuration file (first on the command line, as redis-server wants it): a Sentinel's. */
    private readonly configFile?: string,
  ) {}

  /**
   * Starts a redis-server on `port` (a free one by default), with `args`
   * added to its command line (`['--requirepass', 'pw']`), and resolves
   * once it accepts connections.
   */
  static async start(port?: number, args: readonly string[] = []): Promise<RedisProcess> {
    const redis = new RedisProcess(port ?? (await freePort()), args);
    await redis.launch();
    return redis;
  }

  /** A Sentinel (`redis-server <configFile> --sentinel`) on `port`; Sentinel rewrites the file as it learns. */
  static async startSentinel(port: number, configFile: string): Promise<RedisProcess> {
    const sentinel = new RedisProcess(port, ['--sentinel'], configFile);
    await sentinel.launch();
    return sentinel;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Kills the server (SIGKILL by default: its data is gone) and waits until it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    }
    running.delete(child);
  }

  /** A new, empty server on the same port. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /**
   * Lets the test process end while the server runs (it is killed as the process exits): for a server
   * shared by every suite of a run, which no suite's `after` may stop.
   */
  unref(): void {
    this.unrefed = true;
    if (this.child) unrefChild(this.child);
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: connections stay open and nothing is answered meanwhile. */
  pause(paused: boolean): void {
    this.child?.kill(paused ? 'SIGSTOP' : 'SIGCONT');
    this.frozen = paused;
  }

  /** True while {@link pause}d: a command sent to it would wait for ever. */
  get paused(): boolean {
    return this.frozen;
  }

  async stop(): Promise<void> {
    await this.kill('SIGKILL');
  }

  private async launch(): Promise<void> {
    const args = [
      ...(this.configFile === undefined ? [] : [this.configFile]),
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
      ...this.extraArgs,
    ];
    for (let attempt = 0; ; attempt++) {
      const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(child);
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const ready = await this.waitReady(child, 5000);
      if (ready) {
        this.child = child;
        child.stdout.resume();
        child.stderr.resume();
        if (this.unrefed) unrefChild(child);
        return;
      }
      running.delete(child);
      child.kill('SIGKILL');
      // The port may still be held for a moment by the previous server: try again briefly.
      if (attempt >= 20) throw new Error(`redis-server did not start on ${this.port}: ${output.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Resolves true once a PING is answered, false if the process exits first or time runs out. */
  private async waitReady(child: ChildProcess, timeoutMs: number): Promise<boolean> {
    const { connect } = await import('node:net');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      const answered = await new Promise<boolean>((resolve) => {
        const socket = connect(this.port, '127.0.0.1');
        const finish = (ok: boolean) => {
          socket.destroy();
          resolve(ok);
        };
        socket.setTimeout(500, () => finish(false));
        socket.once('error', () => finish(false));
        socket.once('connect', () => socket.write('PING\r\n'));
        // A server with a password answers NOAUTH: it is up all the same.
        socket.once('data', (data) => finish(/^(\+PONG|-NOAUTH)/.test(data.toString())));
      });
      if (answered && child.exitCode === null) return true;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    return false;
  }
}
