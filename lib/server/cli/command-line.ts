/**
 * The command line, read with commander: `serve` (the default), `token` or `demo`,
 * every flag checked and every default filled in. Prints help or the
 * version itself.
 */
import { Command, CommanderError } from 'commander';
import type { LevelWithSilent } from 'pino';
import { MAX_FRAME_BYTES } from '../../protocol/frames.js';
import { ServerDefaults } from '../server-defaults.js';
import type { AppConfig } from '../token-apps.js';
import { loadApps } from './apps.js';
import { NAME, UsageError, version, type CliIo } from './io.js';
import type { ClusterConfig, SentinelConfig } from '../../store/redis/redis-config.js';
import {
  allowedOrigins,
  host,
  integer,
  LOG_LEVELS,
  logLevel,
  redisCluster,
  redisSentinel,
  redisUrl,
  setting,
} from './settings.js';
import { tokenRequest, type TokenFlags, type TokenRequest } from './token-command.js';

/** The server's settings once read and checked (the secrets are in `apps`: never log this whole). */
export interface ServeConfig {
  host: string;
  port: number;
  apps: ReadonlyMap<string, AppConfig>;
  presenceGraceMs: number;
  logLevel: LevelWithSilent;
  /** Undefined: loopback origins only (startServer's default). */
  allowedOrigins: readonly string[] | undefined;
  maxFrameBytes: number;
  shutdownGraceMs: number;
  /** On a cluster node, how long a session resumed from another node waits for its handoff (docs/CLUSTER.md). */
  handoffWaitMs: number;
  /**
   * Present: run as a cluster node sharing presence through this Redis
   * (it may hold a password: never log it whole).
   */
  redisUrl?: string;
  /** Present: run as a cluster node on the primary these Sentinels name (the passwords: never log it whole). */
  redisSentinel?: SentinelConfig;
  /** Present: run as a cluster node on this Redis Cluster (the password: never log it whole). */
  redisCluster?: ClusterConfig;
  /** Present: media files in this directory (startServer's `media.dir`); absent, in Redis on a cluster node. */
  mediaDir?: string;
}

/** What the command line asks for. */
export type Invocation =
  | { kind: 'serve'; config: ServeConfig }
  | { kind: 'token'; request: TokenRequest }
  /** The demo page with a development app, on `--host` and `--port`. */
  | { kind: 'demo'; host: string; port: number }
  /** Help or version was printed. */
  | { kind: 'done' };

interface ServeFlags {
  host?: string;
  port?: string;
  appsFile?: string;
  presenceGraceMs?: string;
  logLevel?: string;
  allowedOrigins?: string;
  maxFrameBytes?: string;
  shutdownGraceMs?: string;
  handoffWaitMs?: string;
  redisUrl?: string;
  redisSentinels?: string;
  redisSentinelName?: string;
  redisCluster?: string;
  mediaDir?: string;
}

function serveConfig(flags: ServeFlags, env: CliIo['env']): ServeConfig {
  const urlSetting = setting(flags.redisUrl, '--redis-url', env, 'RTM_REDIS_URL');
  const redis = redisUrl(urlSetting);
  const sentinels = setting(flags.redisSentinels, '--redis-sentinels', env, 'RTM_REDIS_SENTINELS');
  const sentinel = redisSentinel(
    sentinels,
    setting(flags.redisSentinelName, '--redis-sentinel-name', env, 'RTM_REDIS_SENTINEL_NAME'),
    redis,
    env,
  );
  const cluster = redisCluster(
    setting(flags.redisCluster, '--redis-cluster', env, 'RTM_REDIS_CLUSTER'),
    urlSetting ?? sentinels,
    env,
  );
  const mediaDir = setting(flags.mediaDir, '--media-dir', env, 'RTM_MEDIA_DIR')?.raw;
  return {
    host: host(setting(flags.host, '--host', env, 'RTM_HOST'), ServerDefaults.host),
    port: integer(setting(flags.port, '--port', env, 'RTM_PORT'), ServerDefaults.port, 0, 65_535),
    apps: loadApps(flags.appsFile, env),
    presenceGraceMs: integer(
      setting(flags.presenceGraceMs, '--presence-grace-ms', env, 'RTM_PRESENCE_GRACE_MS'),
      ServerDefaults.presenceGraceMs,
      1000,
      86_400_000,
    ),
    logLevel: logLevel(setting(flags.logLevel, '--log-level', env, 'RTM_LOG_LEVEL')),
    allowedOrigins: allowedOrigins(setting(flags.allowedOrigins, '--allowed-origins', env, 'RTM_ALLOWED_ORIGINS')),
    maxFrameBytes: integer(
      setting(flags.maxFrameBytes, '--max-frame-bytes', env, 'RTM_MAX_FRAME_BYTES'),
      MAX_FRAME_BYTES,
      1024,
      16_777_216,
    ),
    shutdownGraceMs: integer(
      setting(flags.shutdownGraceMs, '--shutdown-grace-ms', env, 'RTM_SHUTDOWN_GRACE_MS'),
      ServerDefaults.shutdownGraceMs,
      0,
      600_000,
    ),
    // Up to a minute: the resumed client waits this long for its welcome when the old node is gone.
    handoffWaitMs: integer(
      setting(flags.handoffWaitMs, '--handoff-wait-ms', env, 'RTM_HANDOFF_WAIT_MS'),
      ServerDefaults.handoffWaitMs,
      0,
      60_000,
    ),
    ...(redis === undefined ? {} : { redisUrl: redis }),
    ...(sentinel === undefined ? {} : { redisSentinel: sentinel }),
    ...(cluster === undefined ? {} : { redisCluster: cluster }),
    ...(mediaDir === undefined ? {} : { mediaDir }),
  };
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
    .option('--host <host>', `address to listen on (env RTM_HOST, default ${ServerDefaults.host})`)
    .option('--port <port>', `port to listen on, 0 for any free one (env RTM_PORT, default ${ServerDefaults.port})`)
    .option(
      '--apps-file <path>',
      'JSON file of app id → secret or { agoraAppCertificate } (env RTM_APPS_FILE; or the JSON itself in RTM_APPS)',
    )
    .option(
      '--presence-grace-ms <ms>',
      'how long a session outlives its last frame ' +
        `(env RTM_PRESENCE_GRACE_MS, default ${ServerDefaults.presenceGraceMs})`,
    )
    .option('--log-level <level>', `${LOG_LEVELS.join(', ')} (env RTM_LOG_LEVEL, default info)`)
    .option(
      '--allowed-origins <list>',
      'browser origins allowed, comma-separated, or "*" (env RTM_ALLOWED_ORIGINS, default loopback only)',
    )
    .option('--max-frame-bytes <bytes>', `largest frame accepted (env RTM_MAX_FRAME_BYTES, default ${MAX_FRAME_BYTES})`)
    .option(
      '--shutdown-grace-ms <ms>',
      'how long shutdown waits for clients to go ' +
        `(env RTM_SHUTDOWN_GRACE_MS, default ${ServerDefaults.shutdownGraceMs})`,
    )
    .option(
      '--handoff-wait-ms <ms>',
      'on a cluster node, how long a session resumed from another node waits for the events that node held ' +
        `(env RTM_HANDOFF_WAIT_MS, default ${ServerDefaults.handoffWaitMs})`,
    )
    .option(
      '--redis-url <url>',
      'run as one node of a cluster sharing presence through this Redis, redis://[user:password@]host:port[/db] ' +
        '(env RTM_REDIS_URL, better for a password; default none: this process only)',
    )
    .option(
      '--redis-sentinels <list>',
      'or run as one node on the Redis primary these Sentinels name, host:port,… ' +
        '(env RTM_REDIS_SENTINELS; passwords in env RTM_REDIS_PASSWORD and RTM_REDIS_SENTINEL_PASSWORD)',
    )
    .option(
      '--redis-sentinel-name <name>',
      'the group the Sentinels monitor, with --redis-sentinels (env RTM_REDIS_SENTINEL_NAME)',
    )
    .option(
      '--redis-cluster <list>',
      'or run as one node on this Redis Cluster, host:port,… of some of its nodes ' +
        '(env RTM_REDIS_CLUSTER; password in env RTM_REDIS_PASSWORD)',
    )
    .option(
      '--media-dir <path>',
      'keep media files in this directory, one every node mounts in a cluster, 30 MB each at most ' +
        '(env RTM_MEDIA_DIR; default: in Redis on a cluster node, 8 MB each at most, ' +
        'else under the system temp directory)',
    )
    .action((flags: ServeFlags) => {
      invocation = { kind: 'serve', config: serveConfig(flags, io.env) };
    });
  program
    .command('token')
    .description(
      'print a token for a user of an app (an AccessToken2 for an app with an agoraAppCertificate); ' +
        "the app's secret comes from --apps-file, RTM_APPS_FILE or RTM_APPS",
    )
    .requiredOption('--app <id>', 'app id')
    .requiredOption('--uid <uid>', 'user id')
    .option('--expires-in <seconds>', 'lifetime (default 3600)')
    .option('--apps-file <path>', 'JSON file of app id → secret or { agoraAppCertificate } (env RTM_APPS_FILE)')
    .action((flags: TokenFlags) => {
      invocation = { kind: 'token', request: tokenRequest(flags, program.opts<ServeFlags>().appsFile, io.env) };
    });
  program
    .command('demo')
    .description(
      'serve the demo page with a development app on --host and --port; it hands tokens to anyone who can ' +
        'reach it: for your machine only',
    )
    .option('--host <host>', `address to listen on (env RTM_HOST, default ${ServerDefaults.host})`)
    .option('--port <port>', `port to listen on, 0 for any free one (env RTM_PORT, default ${ServerDefaults.port})`)
    .action((flags: Pick<ServeFlags, 'host' | 'port'>) => {
      const outer = program.opts<ServeFlags>();
      invocation = {
        kind: 'demo',
        host: host(setting(flags.host ?? outer.host, '--host', io.env, 'RTM_HOST'), ServerDefaults.host),
        port: integer(setting(flags.port ?? outer.port, '--port', io.env, 'RTM_PORT'), ServerDefaults.port, 0, 65_535),
      };
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
