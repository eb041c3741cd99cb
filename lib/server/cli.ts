#!/usr/bin/env node
/**
 * `rx-rtm-server`: the reference server as a command, for operators.
 *
 *   rx-rtm-server [--host h] [--port p] [--apps-file f] [...]   serve
 *   rx-rtm-server token --app <id> --uid <uid> [--expires-in s]  print a token
 *
 * Every flag has an environment variable (flags win). App secrets come from
 * a JSON file (`--apps-file`, `RTM_APPS_FILE`) or from `RTM_APPS`, never
 * from a flag, where any user of the machine could read them in the
 * process list. Bad input prints one line to stderr and exits 2.
 *
 * With `--redis-url` (`RTM_REDIS_URL`) the server is one node of a cluster
 * sharing presence through that Redis (docs/CLUSTER.md); without it,
 * sessions live in this process only.
 *
 * The server logs JSON lines (pino) to stdout, serves `/healthz` and
 * `/metrics` (Prometheus) beside the WebSockets, and on SIGTERM or SIGINT
 * tells every client to reconnect and exits 0 within the shutdown grace;
 * a second signal exits 1 at once.
 *
 * `main` does all of it but the signals and the exit, so tests run it in
 * process; the file runs it only when executed directly.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { pino, type LevelWithSilent, type Logger } from 'pino';
import { MAX_FRAME_BYTES } from '../protocol/frames.js';
import { nameProblem } from '../protocol/names.js';
import { operationsRoutes } from './operations.js';
import { PrometheusTelemetry } from './prometheus-telemetry.js';
import { originOf, startServer, type RtmServer } from './start-server.js';
import { redactRedisUrl, StoreUnavailableError } from '../store/redis-store.js';
import { createToken } from './token.js';

const NAME = 'rx-rtm-server';

/** How the command ends: 0 done, 1 a failure at run time (the port taken), 2 bad input. */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2 } as const;

/** How long after the shutdown grace a stuck shutdown is cut short (exit 1). */
export const SHUTDOWN_MARGIN_MS = 1000;

/** Shortest app secret accepted: a short HMAC key can be guessed from one token. */
export const MIN_SECRET_LENGTH = 16;

const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** What the command reads and writes; `process`'s own in production. */
export interface CliIo {
  /** The arguments after the program name. */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** The server's settings once read and checked (the secrets are in `apps`: never log this whole). */
export interface ServeConfig {
  host: string;
  port: number;
  apps: ReadonlyMap<string, string>;
  presenceGraceMs: number;
  logLevel: LevelWithSilent;
  /** Undefined: loopback origins only (startServer's default). */
  allowedOrigins: readonly string[] | undefined;
  maxFrameBytes: number;
  shutdownGraceMs: number;
  /** Present: run as a cluster node sharing presence through this Redis (it may hold a password: never log it whole). */
  redisUrl?: string;
}

export interface TokenRequest {
  appId: string;
  uid: string;
  expiresInSeconds: number;
  appSecret: string;
}

/** What the command line asks for. */
export type Invocation =
  | { kind: 'serve'; config: ServeConfig }
  | { kind: 'token'; request: TokenRequest }
  /** Help or version was printed. */
  | { kind: 'done' };

/** A server started by {@link main}. */
export interface RunningServer {
  readonly server: RtmServer;
  readonly logger: Logger;
  readonly telemetry: PrometheusTelemetry;
  readonly shutdownGraceMs: number;
  /** True once `shutdown` was called; `/healthz` answers 503 from then on. */
  readonly shuttingDown: boolean;
  /** Logs, tells every client to reconnect (`goaway`, 1012), waits at most the grace, logs again. Idempotent. */
  shutdown(reason: string): Promise<void>;
}

export type CliOutcome = { kind: 'exited'; exitCode: number } | { kind: 'serving'; running: RunningServer };

/** Bad input; its message is the line printed after `rx-rtm-server: `. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function version(): string {
  // The same relative path from lib/server/ and from dist/server/.
  const json = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return json.version;
}

/** An environment variable; empty counts as unset (as container tools often pass it). */
function envValue(env: CliIo['env'], name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

interface Setting {
  /** The flag or the variable it came from, to name in a message. */
  source: string;
  raw: string;
}

/** The flag's value if given, else the variable's, else undefined. */
function setting(flagValue: string | undefined, flag: string, env: CliIo['env'], variable: string): Setting | undefined {
  if (flagValue !== undefined) return { source: flag, raw: flagValue };
  const raw = envValue(env, variable);
  return raw === undefined ? undefined : { source: variable, raw };
}

function integer(value: Setting | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = /^\d{1,16}$/.test(value.raw) ? Number(value.raw) : Number.NaN;
  if (!(parsed >= min && parsed <= max)) {
    throw new UsageError(`${value.source} must be an integer from ${min} to ${max}, got ${JSON.stringify(value.raw)}`);
  }
  return parsed;
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function host(value: Setting | undefined): string {
  if (value === undefined) return '127.0.0.1';
  if (isIP(value.raw) === 0 && !HOST_NAME.test(value.raw)) {
    throw new UsageError(`${value.source} must be an IP address or a host name, got ${JSON.stringify(value.raw)}`);
  }
  return value.raw;
}

function logLevel(value: Setting | undefined): LevelWithSilent {
  if (value === undefined) return 'info';
  const level = LOG_LEVELS.find((candidate) => candidate === value.raw);
  if (level === undefined) throw new UsageError(`${value.source} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value.raw)}`);
  return level;
}

function allowedOrigins(value: Setting | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const entries = value.raw.split(',').map((entry) => entry.trim());
  if (entries.includes('*')) {
    if (entries.length > 1) throw new UsageError(`${value.source}: "*" allows every origin and must stand alone`);
    return ['*'];
  }
  for (const entry of entries) {
    if (originOf(entry) !== entry) {
      throw new UsageError(
        `${value.source}: ${JSON.stringify(entry)} is not an origin; write scheme://host[:port] with no path, like https://app.example.com, or "*"`,
      );
    }
  }
  return entries;
}

/**
 * The apps (id → secret) from `--apps-file` / `RTM_APPS_FILE` or from
 * `RTM_APPS`. No message quotes the JSON or a secret.
 */
function loadApps(flagPath: string | undefined, env: CliIo['env']): ReadonlyMap<string, string> {
  const file = setting(flagPath, '--apps-file', env, 'RTM_APPS_FILE');
  const inline = envValue(env, 'RTM_APPS');
  if (file !== undefined && inline !== undefined) {
    throw new UsageError(`give the apps either in a file (${file.source}) or in RTM_APPS, not both`);
  }
  let text: string;
  let where: string;
  if (file !== undefined) {
    where = `the apps file ${JSON.stringify(file.raw)}`;
    try {
      text = readFileSync(file.raw, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new UsageError(`cannot read ${where} (${file.source}): ${code}`);
    }
  } else if (inline !== undefined) {
    where = 'RTM_APPS';
    text = inline;
  } else {
    throw new UsageError('no apps: give a JSON file of app id → secret with --apps-file or RTM_APPS_FILE, or that JSON in RTM_APPS');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text, secrets included: never show it.
    throw new UsageError(`${where} is not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`${where} must hold a JSON object of app id → secret`);
  }
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length === 0) throw new UsageError(`${where} holds no app`);
  const apps = new Map<string, string>();
  for (const [appId, secret] of entries) {
    const problem = nameProblem(appId);
    if (problem) throw new UsageError(`${where}: app id ${JSON.stringify(appId)} ${problem}`);
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new UsageError(`${where}: the secret of app ${JSON.stringify(appId)} must be a string of at least ${MIN_SECRET_LENGTH} characters`);
    }
    apps.set(appId, secret);
  }
  return apps;
}

/**
 * A Redis URL (`redis://` or `rediss://`). The value is never quoted in a
 * message: it may carry a password.
 */
function redisUrl(value: Setting | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value.raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new UsageError(`${value.source} must be a URL like redis://[user:password@]host:6379[/db] or rediss://…`);
  }
  return value.raw;
}

interface ServeFlags {
  host?: string;
  port?: string;
  appsFile?: string;
  presenceGraceMs?: string;
  logLevel?: string;
  allowedOrigins?: string;
  maxFrameBytes?: string;
  shutdownGraceMs?: string;
  redisUrl?: string;
}

interface TokenFlags {
  app: string;
  uid: string;
  expiresIn?: string;
  appsFile?: string;
}

function serveConfig(flags: ServeFlags, env: CliIo['env']): ServeConfig {
  const redis = redisUrl(setting(flags.redisUrl, '--redis-url', env, 'RTM_REDIS_URL'));
  return {
    host: host(setting(flags.host, '--host', env, 'RTM_HOST')),
    port: integer(setting(flags.port, '--port', env, 'RTM_PORT'), 7600, 0, 65_535),
    apps: loadApps(flags.appsFile, env),
    presenceGraceMs: integer(setting(flags.presenceGraceMs, '--presence-grace-ms', env, 'RTM_PRESENCE_GRACE_MS'), 30_000, 1000, 86_400_000),
    logLevel: logLevel(setting(flags.logLevel, '--log-level', env, 'RTM_LOG_LEVEL')),
    allowedOrigins: allowedOrigins(setting(flags.allowedOrigins, '--allowed-origins', env, 'RTM_ALLOWED_ORIGINS')),
    maxFrameBytes: integer(setting(flags.maxFrameBytes, '--max-frame-bytes', env, 'RTM_MAX_FRAME_BYTES'), MAX_FRAME_BYTES, 1024, 16_777_216),
    shutdownGraceMs: integer(setting(flags.shutdownGraceMs, '--shutdown-grace-ms', env, 'RTM_SHUTDOWN_GRACE_MS'), 2000, 0, 600_000),
    ...(redis === undefined ? {} : { redisUrl: redis }),
  };
}

function tokenRequest(flags: TokenFlags, programAppsFile: string | undefined, env: CliIo['env']): TokenRequest {
  const apps = loadApps(flags.appsFile ?? programAppsFile, env);
  const appSecret = apps.get(flags.app);
  if (appSecret === undefined) throw new UsageError(`--app: no app ${JSON.stringify(flags.app)} among the apps given`);
  const problem = nameProblem(flags.uid);
  if (problem) throw new UsageError(`--uid ${problem}`);
  const expiresInSeconds = integer(flags.expiresIn === undefined ? undefined : { source: '--expires-in', raw: flags.expiresIn }, 3600, 1, 31_622_400);
  return { appId: flags.app, uid: flags.uid, expiresInSeconds, appSecret };
}

/** Commander's message as one line, without its `error: ` and without a value given with `=` to an unknown option. */
function commanderLine(error: CommanderError): string {
  let message = error.message.replace(/^error: /, '');
  if (error.code === 'commander.unknownOption') message = message.replace(/^(unknown option '[^'=]*)=[^']*'/, "$1=…'");
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Reads and checks the command line; prints help or the version itself.
 * Throws {@link UsageError} on bad input.
 */
export function parseCommandLine(io: CliIo): Invocation {
  let invocation: Invocation = { kind: 'done' };
  const program = new Command(NAME)
    .description('The rx-rtm reference server: WebSockets, /healthz and /metrics on one port.')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => undefined,
    })
    .enablePositionalOptions()
    .version(version(), '-V, --version')
    .option('--host <host>', 'address to listen on (env RTM_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (env RTM_PORT, default 7600)')
    .option('--apps-file <path>', 'JSON file of app id → secret (env RTM_APPS_FILE; or the JSON itself in RTM_APPS)')
    .option('--presence-grace-ms <ms>', 'how long a session outlives its last frame (env RTM_PRESENCE_GRACE_MS, default 30000)')
    .option('--log-level <level>', `${LOG_LEVELS.join(', ')} (env RTM_LOG_LEVEL, default info)`)
    .option('--allowed-origins <list>', 'browser origins allowed, comma-separated, or "*" (env RTM_ALLOWED_ORIGINS, default loopback only)')
    .option('--max-frame-bytes <bytes>', `largest frame accepted (env RTM_MAX_FRAME_BYTES, default ${MAX_FRAME_BYTES})`)
    .option('--shutdown-grace-ms <ms>', 'how long shutdown waits for clients to go (env RTM_SHUTDOWN_GRACE_MS, default 2000)')
    .option(
      '--redis-url <url>',
      'run as one node of a cluster sharing presence through this Redis, redis://[user:password@]host:port[/db] (env RTM_REDIS_URL, better for a password; default none: this process only)',
    )
    .action((flags: ServeFlags) => {
      invocation = { kind: 'serve', config: serveConfig(flags, io.env) };
    });
  program
    .command('token')
    .description("print a token for a user of an app; the app's secret comes from --apps-file, RTM_APPS_FILE or RTM_APPS")
    .requiredOption('--app <id>', 'app id')
    .requiredOption('--uid <uid>', 'user id')
    .option('--expires-in <seconds>', 'lifetime (default 3600)')
    .option('--apps-file <path>', 'JSON file of app id → secret (env RTM_APPS_FILE)')
    .action((flags: TokenFlags) => {
      invocation = { kind: 'token', request: tokenRequest(flags, program.opts<ServeFlags>().appsFile, io.env) };
    });
  try {
    program.parse([...io.argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return { kind: 'done' };
    throw new UsageError(commanderLine(error));
  }
  return invocation;
}

/** Starts the server of `config`, logging to `io.stdout`. */
export async function serve(config: ServeConfig, io: Pick<CliIo, 'stdout' | 'stderr'>): Promise<CliOutcome> {
  const logger = pino({ name: NAME, level: config.logLevel, timestamp: pino.stdTimeFunctions.isoTime }, io.stdout as { write(text: string): void });
  const telemetry = new PrometheusTelemetry();
  let server: RtmServer | undefined;
  let shuttingDown = false;
  try {
    server = await startServer({
      host: config.host,
      port: config.port,
      apps: config.apps,
      presenceGraceMs: config.presenceGraceMs,
      maxFrameBytes: config.maxFrameBytes,
      shutdownGraceMs: config.shutdownGraceMs,
      allowedOrigins: config.allowedOrigins,
      ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
      telemetry,
      onError: (error) => logger.error({ err: error }, 'server error'),
      routes: operationsRoutes({ sessions: () => server?.sessionCount ?? 0, shuttingDown: () => shuttingDown, metrics: telemetry }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: error, host: config.host, port: config.port }, 'cannot start');
    // A StoreUnavailableError names the Redis (password hidden) and why.
    io.stderr.write(`${NAME}: ${error instanceof StoreUnavailableError ? message : `cannot listen on ${config.host}:${config.port}: ${message}`}\n`);
    return { kind: 'exited', exitCode: ExitCode.Failure };
  }
  const started = server;
  telemetry.observe(started);
  logger.info(
    {
      url: started.url,
      apps: config.apps.size,
      presenceGraceMs: config.presenceGraceMs,
      allowedOrigins: config.allowedOrigins ?? 'loopback',
      maxFrameBytes: config.maxFrameBytes,
      shutdownGraceMs: config.shutdownGraceMs,
      redis: config.redisUrl === undefined ? null : redactRedisUrl(config.redisUrl),
      version: version(),
    },
    'listening',
  );
  let stopping: Promise<void> | undefined;
  const running: RunningServer = {
    server: started,
    logger,
    telemetry,
    shutdownGraceMs: config.shutdownGraceMs,
    get shuttingDown() {
      return shuttingDown;
    },
    shutdown(reason) {
      stopping ??= (async () => {
        shuttingDown = true;
        const begun = performance.now();
        logger.info({ reason, sessions: started.sessionCount, shutdownGraceMs: config.shutdownGraceMs }, 'shutting down');
        await started.close();
        logger.info({ reason, durationMs: Math.round(performance.now() - begun) }, 'stopped');
      })();
      return stopping;
    },
  };
  return { kind: 'serving', running };
}

/**
 * The whole command but the exit: parses, then serves (resolving once it
 * listens) or prints a token. Signals are {@link handleSignals}' job.
 */
export async function main(io: CliIo): Promise<CliOutcome> {
  let invocation: Invocation;
  try {
    invocation = parseCommandLine(io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${NAME}: ${error.message}\n`);
    return { kind: 'exited', exitCode: ExitCode.Usage };
  }
  switch (invocation.kind) {
    case 'done':
      return { kind: 'exited', exitCode: ExitCode.Ok };
    case 'token':
      io.stdout.write(`${createToken(invocation.request)}\n`);
      return { kind: 'exited', exitCode: ExitCode.Ok };
    case 'serve':
      return serve(invocation.config, io);
  }
}

export interface SignalTarget {
  on(signal: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

/**
 * SIGTERM or SIGINT: shut down and exit 0 (1 if shutdown fails or overruns
 * its grace by {@link SHUTDOWN_MARGIN_MS}). A second signal exits 1 at once.
 */
export function handleSignals(running: RunningServer, target: SignalTarget = process as SignalTarget): void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    received += 1;
    if (received > 1) {
      running.logger.warn({ signal }, 'second signal: exiting now');
      target.exit(ExitCode.Failure);
      return;
    }
    const limitMs = running.shutdownGraceMs + SHUTDOWN_MARGIN_MS;
    setTimeout(() => {
      running.logger.error({ signal, limitMs }, 'shutdown overran its grace: exiting now');
      target.exit(ExitCode.Failure);
    }, limitMs).unref();
    running.shutdown(signal).then(
      () => target.exit(ExitCode.Ok),
      (error: unknown) => {
        running.logger.error({ err: error }, 'shutdown failed');
        target.exit(ExitCode.Failure);
      },
    );
  };
  target.on('SIGTERM', onSignal);
  target.on('SIGINT', onSignal);
}

function executedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (executedDirectly()) {
  const outcome = await main({ argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr });
  if (outcome.kind === 'serving') handleSignals(outcome.running);
  else process.exitCode = outcome.exitCode;
}
